import { KALMAN_DEFAULTS, type KalmanOptions } from './defaults.ts';
import { KalmanShapeError } from './errors.ts';
import { type Precision, precisionOf, toFloat64 } from './float-array.ts';
import type { DiagonalModel, FloatArray, FullModel } from './model.ts';
import {
  checkPositiveInteger,
  constantParameter,
  describe,
  isFloatArray,
  type ResolvedParameter,
  resolveParameter,
} from './parameter.ts';
import { checkCovariance, checkFinite, checkVariances } from './validate-values.ts';

/** A model with its shapes checked and every parameter reduced to data and strides. */
export interface ResolvedModel {
  readonly form: 'full' | 'diagonal';
  readonly batch: number;
  readonly length: number;
  /** D. */
  readonly stateDim: number;
  /** p (= D in the diagonal form). */
  readonly observationDim: number;
  readonly initialMean: ResolvedParameter;
  readonly initialCovariance: ResolvedParameter;
  readonly transition: ResolvedParameter;
  readonly transitionOffset: ResolvedParameter;
  readonly transitionCovariance: ResolvedParameter;
  readonly observationMatrix: ResolvedParameter;
  readonly observationOffset: ResolvedParameter;
  readonly observationCovariance: ResolvedParameter;
  /** [batch, length, p], in f64 (a copy when given in f32). */
  readonly observations: Float64Array;
  /** The observations' precision: the results' typed-array type. */
  readonly precision: Precision;
}

/** Checks the model and observations (shapes always; values unless `validate: false`). */
export function resolveModel(
  model: FullModel | DiagonalModel,
  observations: FloatArray,
  options: KalmanOptions,
): ResolvedModel {
  if (typeof model !== 'object' || model === null) {
    throw new KalmanShapeError('model', 'a FullModel or DiagonalModel object', describe(model));
  }
  const form: unknown = model.form;
  if (form !== 'full' && form !== 'diagonal') {
    throw new KalmanShapeError('model.form', "'full' or 'diagonal'", describe(form));
  }
  const batch = checkPositiveInteger('model.batch', model.batch);
  const length = checkPositiveInteger('model.length', model.length);
  const D = checkPositiveInteger('model.stateDim', model.stateDim);
  const full = model.form === 'full';
  const p = full ? checkPositiveInteger('model.observationDim', model.observationDim) : D;
  const matrix = full ? D * D : D;
  const dShape = full ? `${D}, ${D}` : `${D}`;
  const step = (size: number, trailing: string) => ({ batch, length, size, perStep: true, trailing });
  const initial = (size: number, trailing: string) => ({ batch, length, size, perStep: false, trailing });
  if (!isFloatArray(observations)) {
    throw new KalmanShapeError('observations', 'a Float32Array or Float64Array', describe(observations));
  }
  if (observations.length !== batch * length * p) {
    throw new KalmanShapeError(
      'observations',
      `length ${batch * length * p} ([batch, length, ${full ? 'observationDim' : 'stateDim'}] = [${batch}, ${length}, ${p}])`,
      `length ${observations.length}`,
    );
  }
  if (full && model.observationMatrix === undefined && p !== D) {
    throw new KalmanShapeError(
      'model.observationDim',
      `${D} (= stateDim, since observationMatrix is omitted and defaults to the identity)`,
      String(p),
    );
  }
  const resolved: ResolvedModel = {
    form: model.form,
    batch,
    length,
    stateDim: D,
    observationDim: p,
    initialMean: resolveParameter('model.initialMean', model.initialMean, initial(D, `${D}`)),
    initialCovariance: resolveParameter(
      'model.initialCovariance',
      model.initialCovariance,
      initial(matrix, dShape),
    ),
    transition: resolveParameter('model.transition', model.transition, step(matrix, dShape)),
    transitionOffset:
      model.transitionOffset === undefined
        ? constantParameter(D, 0)
        : resolveParameter('model.transitionOffset', model.transitionOffset, step(D, `${D}`)),
    transitionCovariance: resolveParameter(
      'model.transitionCovariance',
      model.transitionCovariance,
      step(matrix, dShape),
    ),
    observationMatrix:
      model.observationMatrix === undefined
        ? full
          ? constantParameter(D * D, 0, D)
          : constantParameter(D, 1)
        : resolveParameter(
            'model.observationMatrix',
            model.observationMatrix,
            step(full ? p * D : D, full ? `${p}, ${D}` : `${D}`),
          ),
    observationOffset:
      model.observationOffset === undefined
        ? constantParameter(p, 0)
        : resolveParameter('model.observationOffset', model.observationOffset, step(p, `${p}`)),
    observationCovariance: resolveParameter(
      'model.observationCovariance',
      model.observationCovariance,
      step(full ? p * p : D, full ? `${p}, ${p}` : `${D}`),
    ),
    observations: toFloat64(observations),
    precision: precisionOf(observations),
  };
  if (options.validate ?? KALMAN_DEFAULTS.validate) validateValues(resolved, options);
  return resolved;
}

function validateValues(model: ResolvedModel, options: KalmanOptions): void {
  const tolerance = options.symmetryTolerance ?? KALMAN_DEFAULTS.symmetryTolerance;
  checkFinite('observations', model.observations);
  checkFinite('model.initialMean', model.initialMean.data);
  checkFinite('model.transition', model.transition.data);
  checkFinite('model.transitionOffset', model.transitionOffset.data);
  checkFinite('model.observationMatrix', model.observationMatrix.data);
  checkFinite('model.observationOffset', model.observationOffset.data);
  const covariances: [string, ResolvedParameter, number, boolean][] = [
    ['model.initialCovariance', model.initialCovariance, model.stateDim, false],
    ['model.transitionCovariance', model.transitionCovariance, model.stateDim, true],
    ['model.observationCovariance', model.observationCovariance, model.observationDim, true],
  ];
  for (const [argument, parameter, dim, perStep] of covariances) {
    checkFinite(argument, parameter.data);
    const steps = parameter.constant || !perStep ? 1 : model.length;
    const sequences = parameter.constant ? 1 : model.batch;
    if (model.form === 'diagonal') checkVariances(argument, parameter.data, dim, steps);
    else checkCovariance(argument, parameter.data, dim, sequences, steps, tolerance);
  }
}
