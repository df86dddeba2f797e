import type { DiagonalModel, FloatArray, FullModel, Parameter } from '../../src/index.ts';
import type { Random } from './random.ts';

export type Precision = 'f32' | 'f64';

export interface RandomModelOptions {
  batch: number;
  length: number;
  stateDim: number;
  /** Full form only (default stateDim). */
  observationDim?: number;
  /** Spectral radius of F below 0.9 (stable) or typically above 1 (unstable). */
  stable: boolean;
  /** Give F, Q, H, R as `{ constant }` instead of per step. */
  constant: boolean;
  precision: Precision;
  /** Full form: omit H (identity). */
  identityObservation?: boolean;
}

function array(precision: Precision, values: number[]): FloatArray {
  return precision === 'f32' ? Float32Array.from(values) : Float64Array.from(values);
}

/** A random symmetric positive definite n × n matrix G Gᵀ / n + floor · I. */
export function randomSpd(random: Random, n: number, scale: number, floor: number): number[] {
  const g = Array.from({ length: n * n }, () => random.normal());
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += (g[i * n + k] ?? 0) * (g[j * n + k] ?? 0);
      out.push((scale * sum) / n + (i === j ? floor : 0));
    }
  }
  return out;
}

/** A random n × n transition: Frobenius norm 0.85 (stable) or entries N(0, 1.4²/n) plus 0.3 I (unstable). */
export function randomTransition(random: Random, n: number, stable: boolean): number[] {
  const values = Array.from({ length: n * n }, () => random.normal());
  if (stable) {
    const norm = Math.sqrt(values.reduce((sum, v) => sum + v * v, 0)) || 1;
    return values.map((v) => (0.85 * v) / norm);
  }
  return values.map((v, k) => (1.4 * v) / Math.sqrt(n) + (k % (n + 1) === 0 ? 0.3 : 0));
}

/** Draws `count` values (per sequence/step) of a parameter with `make`, or one constant. */
function parameter(precision: Precision, constant: boolean, count: number, make: () => number[]): Parameter {
  if (constant) return { constant: array(precision, make()) };
  const values: number[] = [];
  for (let k = 0; k < count; k++) values.push(...make());
  return array(precision, values);
}

/** A random full-form model and observations (normal, not drawn from the model, so unstable ones stay bounded). */
export function randomFullModel(
  random: Random,
  options: RandomModelOptions,
): { model: FullModel; observations: FloatArray } {
  const { batch, length, stateDim: D, stable, constant, precision } = options;
  const p = options.identityObservation ? D : (options.observationDim ?? D);
  const steps = batch * length;
  const model: FullModel = {
    form: 'full',
    batch,
    length,
    stateDim: D,
    observationDim: p,
    initialMean: parameter(precision, false, batch, () => Array.from({ length: D }, () => random.normal())),
    initialCovariance: parameter(precision, false, batch, () => randomSpd(random, D, 1, 0.2)),
    transition: parameter(precision, constant, steps, () => randomTransition(random, D, stable)),
    transitionOffset: parameter(precision, constant, steps, () =>
      Array.from({ length: D }, () => 0.3 * random.normal()),
    ),
    transitionCovariance: parameter(precision, constant, steps, () => randomSpd(random, D, 0.3, 0.05)),
    observationOffset: parameter(precision, constant, steps, () =>
      Array.from({ length: p }, () => 0.2 * random.normal()),
    ),
    observationCovariance: parameter(precision, constant, steps, () => randomSpd(random, p, 0.5, 0.1)),
  };
  const withObservation: FullModel = options.identityObservation
    ? model
    : {
        ...model,
        observationMatrix: parameter(precision, constant, steps, () =>
          Array.from({ length: p * D }, (_, k) => random.normal() * 0.7 + (k % (D + 1) === 0 ? 1 : 0)),
        ),
      };
  const observations = array(
    precision,
    Array.from({ length: steps * p }, () => random.normal()),
  );
  return { model: withObservation, observations };
}

/** A random diagonal-form model and observations. */
export function randomDiagonalModel(
  random: Random,
  options: RandomModelOptions,
): { model: DiagonalModel; observations: FloatArray } {
  const { batch, length, stateDim: D, stable, constant, precision } = options;
  const steps = batch * length;
  const vector = (make: () => number) => () => Array.from({ length: D }, make);
  const transition = stable ? () => random.uniform(-0.95, 0.95) : () => random.uniform(-1.6, 1.6);
  const model: DiagonalModel = {
    form: 'diagonal',
    batch,
    length,
    stateDim: D,
    initialMean: parameter(
      precision,
      false,
      batch,
      vector(() => random.normal()),
    ),
    initialCovariance: parameter(
      precision,
      false,
      batch,
      vector(() => random.uniform(0.2, 2)),
    ),
    transition: parameter(precision, constant, steps, vector(transition)),
    transitionOffset: parameter(
      precision,
      constant,
      steps,
      vector(() => 0.3 * random.normal()),
    ),
    transitionCovariance: parameter(
      precision,
      constant,
      steps,
      vector(() => random.uniform(0.05, 1)),
    ),
    observationMatrix: parameter(
      precision,
      constant,
      steps,
      vector(() => random.uniform(0.5, 1.5) * (random.uniform(0, 1) < 0.5 ? -1 : 1)),
    ),
    observationOffset: parameter(
      precision,
      constant,
      steps,
      vector(() => 0.2 * random.normal()),
    ),
    observationCovariance: parameter(
      precision,
      constant,
      steps,
      vector(() => random.uniform(0.1, 2)),
    ),
  };
  const observations = array(
    precision,
    Array.from({ length: steps * D }, () => random.normal()),
  );
  return { model, observations };
}

/** max |a − b| / (1 + max |b|): an error relative to the oracle's scale. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let error = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    error = Math.max(error, Math.abs((actual[i] ?? Number.NaN) - (expected[i] ?? 0)));
    scale = Math.max(scale, Math.abs(expected[i] ?? 0));
  }
  return Number.isNaN(error) ? Number.POSITIVE_INFINITY : error / (1 + scale);
}
