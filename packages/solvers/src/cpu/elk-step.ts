import type { FloatArray } from '@elk/cells';
import { elkModel, kalmanFilter, kalmanSmoother } from '@elk/kalman';
import type { KalmanEstimator } from '../backend.ts';

/** One sequence's ELK step problem (arrays of one precision, [T, …]). */
export interface ElkStepInput {
  readonly form: 'full' | 'diagonal';
  readonly length: number;
  readonly dim: number;
  /** A_t: [T, D, D] (full) or [T, D] (diagonal); A_1 is not read. */
  readonly jacobian: FloatArray;
  /** b_t, [T, D]; b_1 = f(s_0, u_1) is the prior mean. */
  readonly offset: FloatArray;
  /** s^(i), [T, D]: the observations. */
  readonly iterate: FloatArray;
  /** λ > 0. */
  readonly lambda: number;
  readonly estimator: KalmanEstimator;
}

/**
 * ELK's Levenberg–Marquardt step for one sequence through `@elk/kalman` (Gonzalez et al., NeurIPS 2024): the
 * smoother mean of the model of `elkModel` minimises Σ_t ‖s_t − A_t s_{t−1} − b_t‖² + λ Σ_t ‖s_t − s^(i)_t‖²;
 * `'filter'` returns the filtered means instead (what the authors' code computes). The sequential Kalman
 * recursions are used: on the CPU they are the fastest and most accurate order.
 *
 * @returns the step's means [T, D], or `undefined` when the model was not valid (a non-finite linearisation
 * or a covariance that lost positive definiteness: the caller treats the step as diverged).
 */
export function elkStep(input: ElkStepInput): FloatArray | undefined {
  try {
    const { model, observations } = elkModel({
      form: input.form,
      batch: 1,
      length: input.length,
      dim: input.dim,
      a: input.jacobian,
      b: input.offset,
      iterate: input.iterate,
      lambda: input.lambda,
    });
    return input.estimator === 'smoother'
      ? kalmanSmoother(model, observations, { parallel: false }).means
      : kalmanFilter(model, observations, { parallel: false }).means;
  } catch {
    return undefined;
  }
}
