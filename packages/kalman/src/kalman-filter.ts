import { KALMAN_DEFAULTS, type KalmanOptions } from './defaults.ts';
import { toPrecision } from './float-array.ts';
import type { FilterResult, FloatArray, Model } from './model.ts';
import { diagonalLogLikelihood, parallelFilterDiagonal } from './parallel-diagonal.ts';
import { parallelFilterFull } from './parallel-full.ts';
import { type ResolvedModel, resolveModel } from './resolved-model.ts';
import { sequentialFilterDiagonal } from './sequential-diagonal.ts';
import { sequentialFilterFull } from './sequential-filter-full.ts';

/**
 * The Kalman filter of a batched, time-varying linear-Gaussian state-space model (see {@link FullModel},
 * {@link DiagonalModel}): filtered means E[s_t | y_1..y_t], covariances (variances in the diagonal form) and
 * the log-likelihood log p(y_1..y_T) of every sequence.
 *
 * - `parallel: false` (default): the sequential filter (Kalman 1960) with Cholesky solves and Joseph-form,
 *   symmetrised covariances.
 * - `parallel: true`: the parallel-in-time filter of Särkkä & García-Fernández ("Temporal Parallelization of
 *   Bayesian Smoothers", IEEE TAC 2021): per-step elements (A, b, C, η, J) combined by an associative scan —
 *   `@elk/scan`'s `associativeScan` for the full form; for the diagonal form the same scalar combination runs
 *   on typed arrays with the same reduce-then-scan structure.
 *
 * The CPU computes in f64 (JavaScript's arithmetic); results have the observations' typed-array type
 * (f32 results are rounded once at the end), and the log-likelihood is always f64.
 *
 * @param model - the model; its parameters' shapes are checked against `batch`, `length` and dimensions.
 * @param observations - y: [batch, length, observationDim] (diagonal form: [batch, length, stateDim]).
 * @param options - see {@link KALMAN_DEFAULTS}.
 * @throws {@link KalmanShapeError} for a wrong shape or type, {@link KalmanValueError} for non-finite values,
 *   {@link KalmanCovarianceError} for a covariance that is not symmetric positive definite.
 *
 * @example
 * ```ts
 * // A scalar random walk observed in noise, three steps.
 * const model: DiagonalModel = {
 *   form: 'diagonal', batch: 1, length: 3, stateDim: 1,
 *   initialMean: { constant: new Float64Array([0]) },
 *   initialCovariance: { constant: new Float64Array([1]) },
 *   transition: { constant: new Float64Array([1]) },
 *   transitionCovariance: { constant: new Float64Array([0.1]) },
 *   observationCovariance: { constant: new Float64Array([0.5]) },
 * };
 * const { means, covariances, logLikelihood } = kalmanFilter(model, new Float64Array([0.9, 1.1, 1.0]));
 * ```
 */
export function kalmanFilter(
  model: Model,
  observations: Float64Array,
  options?: KalmanOptions,
): FilterResult<Float64Array>;
export function kalmanFilter(
  model: Model,
  observations: Float32Array,
  options?: KalmanOptions,
): FilterResult<Float32Array>;
export function kalmanFilter(model: Model, observations: FloatArray, options?: KalmanOptions): FilterResult;
export function kalmanFilter(
  model: Model,
  observations: FloatArray,
  options: KalmanOptions = {},
): FilterResult {
  const resolved = resolveModel(model, observations, options);
  const result = filterResolved(resolved, options.parallel ?? KALMAN_DEFAULTS.parallel);
  return {
    means: toPrecision(resolved.precision, result.means),
    covariances: toPrecision(resolved.precision, result.covariances),
    logLikelihood: result.logLikelihood,
  };
}

/** The filter of an already resolved model, in f64. */
export function filterResolved(
  model: ResolvedModel,
  parallel: boolean,
): { means: Float64Array; covariances: Float64Array; logLikelihood: Float64Array } {
  if (model.form === 'diagonal') {
    if (!parallel) {
      const { means, variances, logLikelihood } = sequentialFilterDiagonal(model);
      return { means, covariances: variances, logLikelihood };
    }
    const { means, variances } = parallelFilterDiagonal(model);
    return { means, covariances: variances, logLikelihood: diagonalLogLikelihood(model, means, variances) };
  }
  return parallel ? parallelFilterFull(model) : sequentialFilterFull(model);
}
