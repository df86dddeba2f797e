import {
  addInPlace,
  cholesky,
  choleskyLogDeterminant,
  choleskySolveInPlace,
  identity,
  multiply,
  multiplyTransposed,
  multiplyTransposedVector,
  multiplyVector,
  slice,
  subtractInPlace,
  symmetrizeInPlace,
} from './dense-linear-algebra.ts';
import { KalmanCovarianceError } from './errors.ts';
import { parameterOffset, type ResolvedParameter } from './parameter.ts';
import type { ResolvedModel } from './resolved-model.ts';

/** log(2π), the constant of every Gaussian log-density. */
export const LOG_TWO_PI = Math.log(2 * Math.PI);

/** The sequential full-form filter's output, in f64. Predictions are kept for the RTS smoother. */
export interface FullFilterOutput {
  /** [batch, length, D]. */
  readonly means: Float64Array;
  /** [batch, length, D, D]. */
  readonly covariances: Float64Array;
  /** [batch]. */
  readonly logLikelihood: Float64Array;
  /** One-step predictions m_{t|t-1} ([batch, length, D]; at t = 1 the prior mean). */
  readonly predictedMeans: Float64Array;
  /** P_{t|t-1} ([batch, length, D, D]; at t = 1 the prior covariance). */
  readonly predictedCovariances: Float64Array;
}

/** The value of a resolved parameter for sequence `n`, step `t`, as a new Float64Array. */
export function valueAt(parameter: ResolvedParameter, n: number, t: number, size: number): Float64Array {
  return slice(parameter.data, parameterOffset(parameter, n, t), size);
}

/** The result of {@link measurementUpdate}. */
export interface MeasurementUpdate {
  /** Updated mean m + K (y − H m − d). */
  readonly mean: Float64Array;
  /** Updated covariance (Joseph form). */
  readonly covariance: Float64Array;
  /** log N(y; H m + d, S). */
  readonly logDensity: number;
  /** K = P Hᵀ S⁻¹ (D × p). */
  readonly gain: Float64Array;
  /** y − H m − d (p). */
  readonly innovation: Float64Array;
  /** The lower Cholesky factor of S = H P Hᵀ + R (p × p). */
  readonly innovationFactor: Float64Array;
}

/**
 * The Kalman measurement update of a prediction N(m, P) by y = H s + d + v, v ~ N(0, R), in place on m and P,
 * with the Joseph-form covariance P ← (I − K H) P (I − K H)ᵀ + K R Kᵀ (symmetrised). The gain is obtained by
 * a Cholesky solve with S = H P Hᵀ + R, never by inverting S. Returns the log-density log N(y; H m + d, S).
 */
export function measurementUpdate(
  m: Float64Array,
  P: Float64Array,
  y: Float64Array,
  H: Float64Array,
  d: Float64Array,
  R: Float64Array,
  D: number,
  p: number,
  where: { sequence: number; step: number },
): MeasurementUpdate {
  const HP = multiply(H, P, p, D, D);
  const S = symmetrizeInPlace(addInPlace(multiplyTransposed(HP, H, p, D, p), R), p);
  const L = cholesky(S, p);
  if (L === null) {
    throw new KalmanCovarianceError(
      'innovation covariance H P Hᵀ + R',
      'not positive definite',
      where.sequence,
      where.step,
    );
  }
  const innovation = subtractInPlace(subtractInPlace(Float64Array.from(y), multiplyVector(H, m, p, D)), d);
  // Kᵀ = S⁻¹ H P (p × D), since P and S are symmetric.
  const gainTransposed = choleskySolveInPlace(L, p, HP, D);
  const mean = addInPlace(Float64Array.from(m), multiplyTransposedVector(gainTransposed, innovation, p, D));
  const gain = new Float64Array(D * p);
  for (let i = 0; i < p; i++) for (let j = 0; j < D; j++) gain[j * p + i] = gainTransposed[i * D + j] ?? 0;
  const josephFactor = subtractInPlace(identity(D), multiply(gain, H, D, p, D));
  const covariance = symmetrizeInPlace(
    addInPlace(
      multiplyTransposed(multiply(josephFactor, P, D, D, D), josephFactor, D, D, D),
      multiplyTransposed(multiply(gain, R, D, p, p), gain, D, p, D),
    ),
    D,
  );
  const whitened = choleskySolveInPlace(L, p, Float64Array.from(innovation), 1);
  let quadratic = 0;
  for (let i = 0; i < p; i++) quadratic += (innovation[i] ?? 0) * (whitened[i] ?? 0);
  const logDensity = -0.5 * (quadratic + choleskyLogDeterminant(L, p) + p * LOG_TWO_PI);
  return { mean, covariance, logDensity, gain, innovation, innovationFactor: L };
}

/**
 * The sequential Kalman filter of a full-form model (Kalman 1960; Joseph-form updates): predict
 * m⁻ = F_t m + c_t, P⁻ = F_t P F_tᵀ + Q_t, then update with y_t. The oracle of the parallel filter.
 */
export function sequentialFilterFull(model: ResolvedModel): FullFilterOutput {
  const { batch, length, stateDim: D, observationDim: p } = model;
  const means = new Float64Array(batch * length * D);
  const covariances = new Float64Array(batch * length * D * D);
  const predictedMeans = new Float64Array(batch * length * D);
  const predictedCovariances = new Float64Array(batch * length * D * D);
  const logLikelihood = new Float64Array(batch);
  for (let n = 0; n < batch; n++) {
    let m = valueAt(model.initialMean, n, 0, D);
    let P = valueAt(model.initialCovariance, n, 0, D * D);
    for (let t = 0; t < length; t++) {
      if (t > 0) {
        const F = valueAt(model.transition, n, t, D * D);
        m = addInPlace(multiplyVector(F, m, D, D), valueAt(model.transitionOffset, n, t, D));
        P = symmetrizeInPlace(
          addInPlace(
            multiplyTransposed(multiply(F, P, D, D, D), F, D, D, D),
            valueAt(model.transitionCovariance, n, t, D * D),
          ),
          D,
        );
      }
      const index = n * length + t;
      predictedMeans.set(m, index * D);
      predictedCovariances.set(P, index * D * D);
      const update = measurementUpdate(
        m,
        P,
        slice(model.observations, index * p, p),
        valueAt(model.observationMatrix, n, t, p * D),
        valueAt(model.observationOffset, n, t, p),
        valueAt(model.observationCovariance, n, t, p * p),
        D,
        p,
        { sequence: n, step: t },
      );
      m = update.mean;
      P = update.covariance;
      logLikelihood[n] = (logLikelihood[n] ?? 0) + update.logDensity;
      means.set(m, index * D);
      covariances.set(P, index * D * D);
    }
  }
  return { means, covariances, logLikelihood, predictedMeans, predictedCovariances };
}
