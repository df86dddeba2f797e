import { KALMAN_DEFAULTS, type KalmanOptions } from './defaults.ts';
import { toPrecision } from './float-array.ts';
import type { FloatArray, Model, SmootherResult } from './model.ts';
import { parallelSmootherDiagonal } from './parallel-diagonal.ts';
import { parallelSmootherFull } from './parallel-full.ts';
import { resolveModel } from './resolved-model.ts';
import { sequentialFilterDiagonal, sequentialSmootherDiagonal } from './sequential-diagonal.ts';
import { sequentialFilterFull } from './sequential-filter-full.ts';
import { sequentialSmootherFull } from './sequential-smoother-full.ts';

/**
 * The Rauch–Tung–Striebel smoother of a batched, time-varying linear-Gaussian state-space model (see
 * {@link FullModel}, {@link DiagonalModel}): smoothed means E[s_t | y_1..y_T] and covariances (variances in
 * the diagonal form). The smoothed means are the MAP / posterior mean of the whole trajectory — for the
 * model of {@link elkModel}, the ELK (Levenberg–Marquardt) step.
 *
 * - `parallel: false` (default): the sequential filter, then the backward RTS recursion
 *   G_t = P_t F_{t+1}ᵀ (P⁻_{t+1})⁻¹ (Cholesky solves), m^s_t = m_t + G_t (m^s_{t+1} − m⁻_{t+1}).
 * - `parallel: true`: Särkkä & García-Fernández (IEEE TAC 2021): the parallel filter, then elements
 *   (E, g, L) combined by a **reverse** associative scan.
 *
 * @param model - the model.
 * @param observations - y: [batch, length, observationDim] (diagonal form: [batch, length, stateDim]).
 * @param options - see {@link KALMAN_DEFAULTS}.
 * @throws {@link KalmanShapeError}, {@link KalmanValueError}, {@link KalmanCovarianceError} as
 *   {@link kalmanFilter}.
 *
 * @example
 * ```ts
 * const { means, covariances } = kalmanSmoother(model, observations, { parallel: true });
 * ```
 */
export function kalmanSmoother(
  model: Model,
  observations: Float64Array,
  options?: KalmanOptions,
): SmootherResult<Float64Array>;
export function kalmanSmoother(
  model: Model,
  observations: Float32Array,
  options?: KalmanOptions,
): SmootherResult<Float32Array>;
export function kalmanSmoother(
  model: Model,
  observations: FloatArray,
  options?: KalmanOptions,
): SmootherResult;
export function kalmanSmoother(
  model: Model,
  observations: FloatArray,
  options: KalmanOptions = {},
): SmootherResult {
  const resolved = resolveModel(model, observations, options);
  const parallel = options.parallel ?? KALMAN_DEFAULTS.parallel;
  let result: { means: Float64Array; covariances: Float64Array };
  if (resolved.form === 'diagonal') {
    const smoothed = parallel
      ? parallelSmootherDiagonal(resolved)
      : sequentialSmootherDiagonal(resolved, sequentialFilterDiagonal(resolved, false));
    result = { means: smoothed.means, covariances: smoothed.variances };
  } else {
    result = parallel
      ? parallelSmootherFull(resolved)
      : sequentialSmootherFull(resolved, sequentialFilterFull(resolved));
  }
  return {
    means: toPrecision(resolved.precision, result.means),
    covariances: toPrecision(resolved.precision, result.covariances),
  };
}
