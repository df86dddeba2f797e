import { associativeScan } from '@elk/scan';
import {
  addInPlace,
  cholesky,
  choleskySolveInPlace,
  identity,
  multiply,
  multiplyTransposed,
  multiplyVector,
  slice,
  subtractInPlace,
  symmetrizeInPlace,
  transpose,
} from './dense-linear-algebra.ts';
import { KalmanCovarianceError } from './errors.ts';
import { combineFullFilterElements, type FullFilterElement } from './full-filter-operator.ts';
import { combineFullSmootherElements, type FullSmootherElement } from './full-smoother-operator.ts';
import type { ResolvedModel } from './resolved-model.ts';
import { measurementUpdate, valueAt } from './sequential-filter-full.ts';

/**
 * The parallel-filter elements of sequence `n` (Särkkä & García-Fernández 2021, eq. 10–12). For t ≥ 2, with
 * S = H Q Hᵀ + R and K = Q Hᵀ S⁻¹ (Cholesky solves): A = (I − K H) F, b = c + K (y − H c − d),
 * C = (I − K H) Q (Joseph form), η = Fᵀ Hᵀ S⁻¹ (y − H c − d), J = Fᵀ Hᵀ S⁻¹ H F. At t = 1 the element is
 * the measurement update of the prior: A = 0, (b, C) = the updated (m₁, P₁), η = 0, J = 0.
 */
export function buildFullFilterElements(model: ResolvedModel, n: number): FullFilterElement[] {
  const { length, stateDim: D, observationDim: p } = model;
  const elements: FullFilterElement[] = [];
  for (let t = 0; t < length; t++) {
    const first = t === 0;
    const mean = first ? valueAt(model.initialMean, n, 0, D) : valueAt(model.transitionOffset, n, t, D);
    const covariance = first
      ? valueAt(model.initialCovariance, n, 0, D * D)
      : valueAt(model.transitionCovariance, n, t, D * D);
    const H = valueAt(model.observationMatrix, n, t, p * D);
    const update = measurementUpdate(
      mean,
      covariance,
      slice(model.observations, (n * length + t) * p, p),
      H,
      valueAt(model.observationOffset, n, t, p),
      valueAt(model.observationCovariance, n, t, p * p),
      D,
      p,
      { sequence: n, step: t },
    );
    if (first) {
      elements.push({
        A: new Float64Array(D * D),
        b: update.mean,
        C: update.covariance,
        eta: new Float64Array(D),
        J: new Float64Array(D * D),
      });
      continue;
    }
    const F = valueAt(model.transition, n, t, D * D);
    const HF = multiply(H, F, p, D, D);
    // Z = S⁻¹ H F (p × D): η = Zᵀ (y − H c − d), J = (H F)ᵀ Z.
    const Z = choleskySolveInPlace(update.innovationFactor, p, Float64Array.from(HF), D);
    const eta = new Float64Array(D);
    for (let i = 0; i < p; i++) {
      const v = update.innovation[i] ?? 0;
      for (let j = 0; j < D; j++) eta[j] = (eta[j] ?? 0) + (Z[i * D + j] ?? 0) * v;
    }
    const J = new Float64Array(D * D);
    for (let k = 0; k < p; k++) {
      for (let i = 0; i < D; i++) {
        const hf = HF[k * D + i] ?? 0;
        for (let j = 0; j < D; j++) J[i * D + j] = (J[i * D + j] ?? 0) + hf * (Z[k * D + j] ?? 0);
      }
    }
    const A = multiply(subtractInPlace(identity(D), multiply(update.gain, H, D, p, D)), F, D, D, D);
    elements.push({ A, b: update.mean, C: update.covariance, eta, J: symmetrizeInPlace(J, D) });
  }
  return elements;
}

/**
 * The parallel Kalman filter of a full-form model: elements, then `@elk/scan`'s `associativeScan` with
 * {@link combineFullFilterElements}; the filtered mean and covariance at t are b and C of the t-th prefix.
 * The log-likelihood is the sum of independent one-step predictive densities from those filtered moments.
 */
export function parallelFilterFull(model: ResolvedModel): {
  means: Float64Array;
  covariances: Float64Array;
  logLikelihood: Float64Array;
} {
  const { batch, length, stateDim: D, observationDim: p } = model;
  const means = new Float64Array(batch * length * D);
  const covariances = new Float64Array(batch * length * D * D);
  const logLikelihood = new Float64Array(batch);
  for (let n = 0; n < batch; n++) {
    const prefixes = associativeScan(combineFullFilterElements, buildFullFilterElements(model, n));
    prefixes.forEach((prefix, t) => {
      means.set(prefix.b, (n * length + t) * D);
      covariances.set(prefix.C, (n * length + t) * D * D);
    });
    let total = 0;
    for (let t = 0; t < length; t++) {
      let m: Float64Array;
      let P: Float64Array;
      if (t === 0) {
        m = valueAt(model.initialMean, n, 0, D);
        P = valueAt(model.initialCovariance, n, 0, D * D);
      } else {
        const F = valueAt(model.transition, n, t, D * D);
        const previous = n * length + t - 1;
        m = addInPlace(
          multiplyVector(F, slice(means, previous * D, D), D, D),
          valueAt(model.transitionOffset, n, t, D),
        );
        P = symmetrizeInPlace(
          addInPlace(
            multiplyTransposed(multiply(F, slice(covariances, previous * D * D, D * D), D, D, D), F, D, D, D),
            valueAt(model.transitionCovariance, n, t, D * D),
          ),
          D,
        );
      }
      total += measurementUpdate(
        m,
        P,
        slice(model.observations, (n * length + t) * p, p),
        valueAt(model.observationMatrix, n, t, p * D),
        valueAt(model.observationOffset, n, t, p),
        valueAt(model.observationCovariance, n, t, p * p),
        D,
        p,
        { sequence: n, step: t },
      ).logDensity;
    }
    logLikelihood[n] = total;
  }
  return { means, covariances, logLikelihood };
}

/**
 * The parallel-smoother elements of sequence `n` from filtered means and covariances (Särkkä &
 * García-Fernández 2021, eq. 23–24): with P⁻ = F P Fᵀ + Q (next step's F, c, Q; Cholesky solves),
 * E = P Fᵀ (P⁻)⁻¹, g = m − E (F m + c), L = (I − E F) P (I − E F)ᵀ + E Q Eᵀ (= P − E F P, Joseph form);
 * at the last step E = 0, g = m_T, L = P_T.
 */
export function buildFullSmootherElements(
  model: ResolvedModel,
  n: number,
  means: Float64Array,
  covariances: Float64Array,
): FullSmootherElement[] {
  const { length, stateDim: D } = model;
  const elements: FullSmootherElement[] = [];
  for (let t = 0; t < length; t++) {
    const index = n * length + t;
    const m = slice(means, index * D, D);
    const P = slice(covariances, index * D * D, D * D);
    if (t === length - 1) {
      elements.push({ E: new Float64Array(D * D), g: m, L: P });
      continue;
    }
    const F = valueAt(model.transition, n, t + 1, D * D);
    const Q = valueAt(model.transitionCovariance, n, t + 1, D * D);
    const FP = multiply(F, P, D, D, D);
    const predicted = symmetrizeInPlace(addInPlace(multiplyTransposed(FP, F, D, D, D), Q), D);
    const factor = cholesky(predicted, D);
    if (factor === null) {
      throw new KalmanCovarianceError('predicted covariance F P Fᵀ + Q', 'not positive definite', n, t + 1);
    }
    const E = transpose(choleskySolveInPlace(factor, D, FP, D), D, D);
    const g = subtractInPlace(
      Float64Array.from(m),
      multiplyVector(
        E,
        addInPlace(multiplyVector(F, m, D, D), valueAt(model.transitionOffset, n, t + 1, D)),
        D,
        D,
      ),
    );
    const residual = subtractInPlace(identity(D), multiply(E, F, D, D, D));
    const L = symmetrizeInPlace(
      addInPlace(
        multiplyTransposed(multiply(residual, P, D, D, D), residual, D, D, D),
        multiplyTransposed(multiply(E, Q, D, D, D), E, D, D, D),
      ),
      D,
    );
    elements.push({ E, g, L });
  }
  return elements;
}

/**
 * The parallel RTS smoother of a full-form model: the parallel filter, then smoother elements and a reverse
 * `associativeScan` with {@link combineFullSmootherElements}; the smoothed mean and covariance at t are g and
 * L of the t-th suffix.
 */
export function parallelSmootherFull(model: ResolvedModel): {
  means: Float64Array;
  covariances: Float64Array;
} {
  const { batch, length, stateDim: D } = model;
  const filtered = parallelFilterFull(model);
  const means = new Float64Array(batch * length * D);
  const covariances = new Float64Array(batch * length * D * D);
  for (let n = 0; n < batch; n++) {
    const elements = buildFullSmootherElements(model, n, filtered.means, filtered.covariances);
    const suffixes = associativeScan(combineFullSmootherElements, elements, { reverse: true });
    suffixes.forEach((suffix, t) => {
      means.set(suffix.g, (n * length + t) * D);
      covariances.set(suffix.L, (n * length + t) * D * D);
    });
  }
  return { means, covariances };
}
