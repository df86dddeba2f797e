import {
  addInPlace,
  cholesky,
  choleskySolveInPlace,
  multiply,
  multiplyTransposedVector,
  slice,
  subtractInPlace,
  symmetrizeInPlace,
  transposeMultiply,
} from './dense-linear-algebra.ts';
import { KalmanCovarianceError } from './errors.ts';
import type { ResolvedModel } from './resolved-model.ts';
import { type FullFilterOutput, valueAt } from './sequential-filter-full.ts';

/**
 * The Rauch–Tung–Striebel smoother of a full-form model, backwards from the filter's output:
 * G_t = P_t F_{t+1}ᵀ (P⁻_{t+1})⁻¹ (by a Cholesky solve with P⁻_{t+1}), m^s_t = m_t + G_t (m^s_{t+1} − m⁻_{t+1}),
 * P^s_t = P_t + G_t (P^s_{t+1} − P⁻_{t+1}) G_tᵀ (symmetrised). Returns [batch, length, D] means and
 * [batch, length, D, D] covariances in f64.
 */
export function sequentialSmootherFull(
  model: ResolvedModel,
  filtered: FullFilterOutput,
): { means: Float64Array; covariances: Float64Array } {
  const { batch, length, stateDim: D } = model;
  const means = Float64Array.from(filtered.means);
  const covariances = Float64Array.from(filtered.covariances);
  for (let n = 0; n < batch; n++) {
    for (let t = length - 2; t >= 0; t--) {
      const index = n * length + t;
      const next = index + 1;
      const m = slice(filtered.means, index * D, D);
      const P = slice(filtered.covariances, index * D * D, D * D);
      const predictedCovariance = slice(filtered.predictedCovariances, next * D * D, D * D);
      const L = cholesky(predictedCovariance, D);
      if (L === null) {
        throw new KalmanCovarianceError('predicted covariance F P Fᵀ + Q', 'not positive definite', n, t + 1);
      }
      const F = valueAt(model.transition, n, t + 1, D * D);
      // Gᵀ = (P⁻)⁻¹ F P.
      const gainTransposed = choleskySolveInPlace(L, D, multiply(F, P, D, D, D), D);
      const meanDifference = subtractInPlace(
        slice(means, next * D, D),
        slice(filtered.predictedMeans, next * D, D),
      );
      means.set(addInPlace(m, multiplyTransposedVector(gainTransposed, meanDifference, D, D)), index * D);
      const covarianceDifference = subtractInPlace(
        slice(covariances, next * D * D, D * D),
        predictedCovariance,
      );
      // G ΔP Gᵀ = (Gᵀ)ᵀ ΔP Gᵀ.
      const correction = multiply(
        transposeMultiply(gainTransposed, covarianceDifference, D),
        gainTransposed,
        D,
        D,
        D,
      );
      covariances.set(symmetrizeInPlace(addInPlace(P, correction), D), index * D * D);
    }
  }
  return { means, covariances };
}
