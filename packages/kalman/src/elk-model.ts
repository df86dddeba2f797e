import { KalmanShapeError, KalmanValueError } from './errors.ts';
import type { DiagonalModel, FloatArray, FullModel } from './model.ts';
import { checkPositiveInteger, describe, isFloatArray } from './parameter.ts';

/**
 * The inputs of {@link elkModel}: one ELK (or quasi-ELK) iteration's linearisation and iterate.
 *
 * @example
 * ```ts
 * const input: ElkModelInput = { form: 'diagonal', batch: 1, length: 4, dim: 2, a, b, iterate, lambda: 0.1 };
 * ```
 */
export interface ElkModelInput {
  /** `'full'` for ELK (dense A_t), `'diagonal'` for quasi-ELK (diag(A_t)). */
  readonly form: 'full' | 'diagonal';
  readonly batch: number;
  readonly length: number;
  /** State dimension D. */
  readonly dim: number;
  /** A_t: [batch, length, D, D] (full) or [batch, length, D] (diagonal). A_1 is not used. */
  readonly a: FloatArray;
  /** b_t: [batch, length, D]. */
  readonly b: FloatArray;
  /** The current iterate s^(i): [batch, length, D]; it becomes the observations. */
  readonly iterate: FloatArray;
  /** The trust-region weight λ > 0 (observation noise variance 1/λ). */
  readonly lambda: number;
  /** The prior mean f(s_0, u_1): [batch, D]. Default: b_1 (which equals f(s_0, u_1) since A_1 = 0). */
  readonly initialMean?: FloatArray;
}

/**
 * Builds the linear-Gaussian state-space model whose smoother mean is the ELK step (Gonzalez et al.,
 * NeurIPS 2024): the minimiser of Σ_t ‖s_t − A_t s_{t-1} − b_t‖² + λ Σ_t ‖s_t − s^(i)_t‖² (with the first
 * term ‖s_1 − f(s_0, u_1)‖² at t = 1). That is the MAP of: dynamics s_t = A_t s_{t-1} + b_t + w_t,
 * w_t ~ N(0, I); prior s_1 ~ N(f(s_0, u_1), I); observations y_t = s^(i)_t with noise N(0, λ⁻¹ I).
 * λ → 0 recovers the linear recurrence s_t = A_t s_{t-1} + b_t (DEER's Newton step); large λ keeps the step
 * near s^(i). The returned observations are `iterate` itself (not copied).
 *
 * @throws {@link KalmanShapeError} for wrong shapes, {@link KalmanValueError} unless λ is finite and > 0.
 *
 * @example
 * ```ts
 * const { model, observations } = elkModel({ form: 'diagonal', batch, length, dim, a, b, iterate, lambda: 0.1 });
 * const step = kalmanSmoother(model, observations, { parallel: true }).means; // s^(i+1)
 * ```
 */
export function elkModel(input: ElkModelInput): {
  model: FullModel | DiagonalModel;
  observations: FloatArray;
} {
  const batch = checkPositiveInteger('batch', input.batch);
  const length = checkPositiveInteger('length', input.length);
  const D = checkPositiveInteger('dim', input.dim);
  const full = input.form === 'full';
  if (!full && input.form !== 'diagonal') {
    throw new KalmanShapeError('form', "'full' or 'diagonal'", describe(input.form));
  }
  const { lambda } = input;
  if (typeof lambda !== 'number' || !Number.isFinite(lambda) || !(lambda > 0)) {
    throw new KalmanValueError('lambda', 'a finite number > 0', describe(lambda));
  }
  checkLength(
    'a',
    input.a,
    batch * length * (full ? D * D : D),
    full ? 'batch, length, dim, dim' : 'batch, length, dim',
  );
  checkLength('b', input.b, batch * length * D, 'batch, length, dim');
  checkLength('iterate', input.iterate, batch * length * D, 'batch, length, dim');
  let initialMean: FloatArray;
  if (input.initialMean === undefined) {
    initialMean = new Float64Array(batch * D);
    for (let n = 0; n < batch; n++) {
      for (let i = 0; i < D; i++) initialMean[n * D + i] = input.b[n * length * D + i] ?? 0;
    }
  } else {
    checkLength('initialMean', input.initialMean, batch * D, 'batch, dim');
    initialMean = input.initialMean;
  }
  const noise = 1 / lambda;
  if (!full) {
    return {
      model: {
        form: 'diagonal',
        batch,
        length,
        stateDim: D,
        initialMean,
        initialCovariance: { constant: new Float64Array(D).fill(1) },
        transition: input.a,
        transitionOffset: input.b,
        transitionCovariance: { constant: new Float64Array(D).fill(1) },
        observationCovariance: { constant: new Float64Array(D).fill(noise) },
      },
      observations: input.iterate,
    };
  }
  const identity = new Float64Array(D * D);
  const noiseMatrix = new Float64Array(D * D);
  for (let i = 0; i < D; i++) {
    identity[i * D + i] = 1;
    noiseMatrix[i * D + i] = noise;
  }
  return {
    model: {
      form: 'full',
      batch,
      length,
      stateDim: D,
      observationDim: D,
      initialMean,
      initialCovariance: { constant: identity },
      transition: input.a,
      transitionOffset: input.b,
      transitionCovariance: { constant: identity },
      observationCovariance: { constant: noiseMatrix },
    },
    observations: input.iterate,
  };
}

function checkLength(argument: string, value: unknown, expected: number, shape: string): void {
  if (!isFloatArray(value) || value.length !== expected) {
    throw new KalmanShapeError(
      argument,
      `a Float32Array or Float64Array of length ${expected} ([${shape}])`,
      describe(value),
    );
  }
}
