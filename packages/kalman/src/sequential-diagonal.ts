import type { ResolvedModel } from './resolved-model.ts';
import { LOG_TWO_PI } from './sequential-filter-full.ts';

/** The sequential diagonal-form filter's output, in f64. */
export interface DiagonalFilterOutput {
  /** [batch, length, D]. */
  readonly means: Float64Array;
  /** Filtered variances [batch, length, D]. */
  readonly variances: Float64Array;
  /** [batch] (zeros when not requested). */
  readonly logLikelihood: Float64Array;
}

/**
 * The sequential Kalman filter of a diagonal-form model: D independent scalar filters,
 * predict m⁻ = F m + c, P⁻ = F² P + Q; update S = H² P⁻ + R, K = P⁻ H / S, m = m⁻ + K (y − H m⁻ − d),
 * P = (1 − K H)² P⁻ + K² R (Joseph form, which stays positive).
 */
export function sequentialFilterDiagonal(
  model: ResolvedModel,
  withLogLikelihood = true,
): DiagonalFilterOutput {
  const { batch, length, stateDim: D, observations } = model;
  const F = model.transition;
  const c = model.transitionOffset;
  const Q = model.transitionCovariance;
  const H = model.observationMatrix;
  const dOffset = model.observationOffset;
  const R = model.observationCovariance;
  const means = new Float64Array(batch * length * D);
  const variances = new Float64Array(batch * length * D);
  const logLikelihood = new Float64Array(batch);
  const m = new Float64Array(D);
  const P = new Float64Array(D);
  for (let n = 0; n < batch; n++) {
    const m1 = n * model.initialMean.sequenceStride;
    const p1 = n * model.initialCovariance.sequenceStride;
    for (let i = 0; i < D; i++) {
      m[i] = model.initialMean.data[m1 + i] ?? 0;
      P[i] = model.initialCovariance.data[p1 + i] ?? 0;
    }
    let total = 0;
    for (let t = 0; t < length; t++) {
      const fo = n * F.sequenceStride + t * F.stepStride;
      const co = n * c.sequenceStride + t * c.stepStride;
      const qo = n * Q.sequenceStride + t * Q.stepStride;
      const ho = n * H.sequenceStride + t * H.stepStride;
      const doo = n * dOffset.sequenceStride + t * dOffset.stepStride;
      const ro = n * R.sequenceStride + t * R.stepStride;
      const out = (n * length + t) * D;
      for (let i = 0; i < D; i++) {
        let mean = m[i] ?? 0;
        let variance = P[i] ?? 0;
        if (t > 0) {
          const f = F.data[fo + i] ?? 0;
          mean = f * mean + (c.data[co + i] ?? 0);
          variance = f * f * variance + (Q.data[qo + i] ?? 0);
        }
        const h = H.data[ho + i] ?? 0;
        const r = R.data[ro + i] ?? 0;
        const s = h * h * variance + r;
        const gain = (variance * h) / s;
        const innovation = (observations[out + i] ?? 0) - h * mean - (dOffset.data[doo + i] ?? 0);
        if (withLogLikelihood) total += -0.5 * ((innovation * innovation) / s + Math.log(s) + LOG_TWO_PI);
        mean += gain * innovation;
        const factor = 1 - gain * h;
        variance = factor * factor * variance + gain * gain * r;
        m[i] = mean;
        P[i] = variance;
        means[out + i] = mean;
        variances[out + i] = variance;
      }
    }
    logLikelihood[n] = total;
  }
  return { means, variances, logLikelihood };
}

/**
 * The RTS smoother of a diagonal-form model from the filter's output: with P⁻ = F² P + Q,
 * G = P F / P⁻, m^s_t = m_t + G (m^s_{t+1} − F m_t − c), P^s_t = P_t + G² (P^s_{t+1} − P⁻).
 */
export function sequentialSmootherDiagonal(
  model: ResolvedModel,
  filtered: DiagonalFilterOutput,
): { means: Float64Array; variances: Float64Array } {
  const { batch, length, stateDim: D } = model;
  const F = model.transition;
  const c = model.transitionOffset;
  const Q = model.transitionCovariance;
  const means = filtered.means.slice();
  const variances = filtered.variances.slice();
  const nextMean = new Float64Array(D);
  const nextVariance = new Float64Array(D);
  for (let n = 0; n < batch; n++) {
    const last = (n * length + length - 1) * D;
    for (let i = 0; i < D; i++) {
      nextMean[i] = filtered.means[last + i] ?? 0;
      nextVariance[i] = filtered.variances[last + i] ?? 0;
    }
    for (let t = length - 2; t >= 0; t--) {
      const fo = n * F.sequenceStride + (t + 1) * F.stepStride;
      const co = n * c.sequenceStride + (t + 1) * c.stepStride;
      const qo = n * Q.sequenceStride + (t + 1) * Q.stepStride;
      const at = (n * length + t) * D;
      for (let i = 0; i < D; i++) {
        const m = filtered.means[at + i] ?? 0;
        const P = filtered.variances[at + i] ?? 0;
        const f = F.data[fo + i] ?? 0;
        const predictedVariance = f * f * P + (Q.data[qo + i] ?? 0);
        const gain = (P * f) / predictedVariance;
        const mean = m + gain * ((nextMean[i] ?? 0) - f * m - (c.data[co + i] ?? 0));
        const variance = P + gain * gain * ((nextVariance[i] ?? 0) - predictedVariance);
        nextMean[i] = mean;
        nextVariance[i] = variance;
        means[at + i] = mean;
        variances[at + i] = variance;
      }
    }
  }
  return { means, variances };
}
