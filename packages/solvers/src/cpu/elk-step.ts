/**
 * ELK's Levenberg–Marquardt step on the CPU: the Kalman filter (and RTS smoother) of the linear-Gaussian
 * model that DESIGN.md derives from a linearisation (Gonzalez et al., NeurIPS 2024, §3):
 *
 *   s_1 ~ N(b_1, I),  s_t = A_t s_{t−1} + b_t + w_t, w_t ~ N(0, I),  y_t = s^(i)_t + v_t, v_t ~ N(0, λ⁻¹ I).
 *
 * Written in the information form of the update, K = λ P⁻ (I + λ P⁻)⁻¹ = λ P⁺, so λ = 0 is exact (no
 * observation: the step is the linear recurrence's solution, DEER's). Allocation-free: the scratch is owned by
 * the caller and reused across iterations.
 *
 * @module
 */

import type { FloatArray } from '@elk/cells';
import { choleskyInPlace, choleskySolveInPlace } from './dense-algebra.ts';

/** Reusable scratch of the ELK step for one sequence length and state size. */
export interface ElkScratch {
  /** Predicted means m⁻_t, [T, D]. */
  readonly predictedMean: Float64Array;
  /** Filtered means m⁺_t, [T, D]. */
  readonly filteredMean: Float64Array;
  /** Predicted covariances P⁻_t: [T, D, D] (dense) or [T, D] (diagonal). */
  readonly predictedCovariance: Float64Array;
  /** Filtered covariances P⁺_t: [T, D, D] (dense) or [T, D] (diagonal). */
  readonly filteredCovariance: Float64Array;
  /** Work space: two D × D blocks and two D vectors. */
  readonly work: Float64Array;
}

/** Allocates the scratch of {@link elkStepDense} (`dense`) or {@link elkStepDiagonal}. */
export function createElkScratch(length: number, dim: number, dense: boolean): ElkScratch {
  const covariance = length * dim * (dense ? dim : 1);
  return {
    predictedMean: new Float64Array(length * dim),
    filteredMean: new Float64Array(length * dim),
    predictedCovariance: new Float64Array(covariance),
    filteredCovariance: new Float64Array(covariance),
    work: new Float64Array(2 * dim * dim + 2 * dim),
  };
}

/** The arguments of one sequence's ELK step. */
export interface ElkStepArguments {
  /** A_t: [T, D, D] (dense) or [T, D] (diagonal); A_1 is not read (the prior replaces it). */
  readonly jacobian: FloatArray;
  /** b_t, [T, D]. */
  readonly offset: FloatArray;
  /** The current iterate s^(i), [T, D]: the observations. */
  readonly observation: FloatArray;
  /** λ ≥ 0. */
  readonly lambda: number;
  /** Smoothed (exact LM step) or filtered means. */
  readonly smooth: boolean;
  /** T and D. */
  readonly length: number;
  readonly dim: number;
  /** Where the step's means go, [T, D]. */
  readonly out: FloatArray;
  readonly scratch: ElkScratch;
}

/**
 * The step for dense A_t (ELK): O(T D³). Returns false when a covariance lost positive definiteness
 * (the output is then left as the filter produced it up to that point).
 */
export function elkStepDense(args: ElkStepArguments): boolean {
  const { jacobian: A, offset, observation, lambda, length: T, dim: D, out } = args;
  const {
    predictedMean: mp,
    filteredMean: mf,
    predictedCovariance: Pp,
    filteredCovariance: Pf,
    work,
  } = args.scratch;
  const DD = D * D;
  const factor = work.subarray(0, DD);
  const product = work.subarray(DD, 2 * DD);
  const vector = work.subarray(2 * DD, 2 * DD + D);
  const vector2 = work.subarray(2 * DD + D, 2 * DD + 2 * D);
  for (let t = 0; t < T; t++) {
    const m = t * D;
    const M = t * DD;
    if (t === 0) {
      for (let i = 0; i < D; i++) mp[i] = offset[i] as number;
      Pp.fill(0, 0, DD);
      for (let i = 0; i < D; i++) Pp[i * D + i] = 1;
    } else {
      const previousMean = m - D;
      const previousCovariance = M - DD;
      for (let i = 0; i < D; i++) {
        let sum = offset[m + i] as number;
        for (let j = 0; j < D; j++) sum += (A[M + i * D + j] as number) * (mf[previousMean + j] as number);
        mp[m + i] = sum;
      }
      // product = A P⁺_{t−1}; P⁻_t = product Aᵀ + I
      for (let i = 0; i < D; i++) {
        for (let j = 0; j < D; j++) {
          let sum = 0;
          for (let k = 0; k < D; k++) {
            sum += (A[M + i * D + k] as number) * (Pf[previousCovariance + k * D + j] as number);
          }
          product[i * D + j] = sum;
        }
      }
      for (let i = 0; i < D; i++) {
        for (let j = 0; j <= i; j++) {
          let sum = i === j ? 1 : 0;
          for (let k = 0; k < D; k++) sum += (product[i * D + k] as number) * (A[M + j * D + k] as number);
          Pp[M + i * D + j] = sum;
          Pp[M + j * D + i] = sum;
        }
      }
    }
    if (lambda === 0) {
      for (let i = 0; i < D; i++) mf[m + i] = mp[m + i] as number;
      for (let k = 0; k < DD; k++) Pf[M + k] = Pp[M + k] as number;
      continue;
    }
    // P⁺ = (I + λ P⁻)⁻¹ P⁻, m⁺ = m⁻ + λ P⁺ (y − m⁻)
    for (let k = 0; k < DD; k++) factor[k] = lambda * (Pp[M + k] as number);
    for (let i = 0; i < D; i++) factor[i * D + i] = (factor[i * D + i] as number) + 1;
    if (!choleskyInPlace(factor, 0, D)) return false;
    for (let j = 0; j < D; j++) {
      for (let i = 0; i < D; i++) vector[i] = Pp[M + i * D + j] as number;
      choleskySolveInPlace(factor, 0, D, vector);
      for (let i = 0; i < D; i++) Pf[M + i * D + j] = vector[i] as number;
    }
    for (let i = 0; i < D; i++) {
      for (let j = 0; j < i; j++) {
        const average = 0.5 * ((Pf[M + i * D + j] as number) + (Pf[M + j * D + i] as number));
        Pf[M + i * D + j] = average;
        Pf[M + j * D + i] = average;
      }
    }
    for (let i = 0; i < D; i++) vector[i] = (observation[m + i] as number) - (mp[m + i] as number);
    for (let i = 0; i < D; i++) {
      let sum = 0;
      for (let j = 0; j < D; j++) sum += (Pf[M + i * D + j] as number) * (vector[j] as number);
      mf[m + i] = (mp[m + i] as number) + lambda * sum;
    }
  }
  if (args.smooth) {
    // RTS: m^s_t = m⁺_t + P⁺_t A_{t+1}ᵀ (P⁻_{t+1})⁻¹ (m^s_{t+1} − m⁻_{t+1}); m^s is kept in mf.
    for (let t = T - 2; t >= 0; t--) {
      const m = t * D;
      const next = m + D;
      const nextMatrix = (t + 1) * DD;
      for (let k = 0; k < DD; k++) factor[k] = Pp[nextMatrix + k] as number;
      if (!choleskyInPlace(factor, 0, D)) return false;
      for (let i = 0; i < D; i++) vector[i] = (mf[next + i] as number) - (mp[next + i] as number);
      choleskySolveInPlace(factor, 0, D, vector);
      for (let j = 0; j < D; j++) {
        let sum = 0;
        for (let i = 0; i < D; i++) sum += (A[nextMatrix + i * D + j] as number) * (vector[i] as number);
        vector2[j] = sum;
      }
      for (let i = 0; i < D; i++) {
        let sum = 0;
        for (let j = 0; j < D; j++) sum += (Pf[t * DD + i * D + j] as number) * (vector2[j] as number);
        mf[m + i] = (mf[m + i] as number) + sum;
      }
    }
  }
  for (let k = 0; k < T * D; k++) out[k] = mf[k] as number;
  return true;
}

/** The step for diagonal A_t (quasi-ELK): D independent scalar Kalman problems, O(T D). */
export function elkStepDiagonal(args: ElkStepArguments): boolean {
  const { jacobian: a, offset, observation, lambda, length: T, dim: D, out } = args;
  const {
    predictedMean: mp,
    filteredMean: mf,
    predictedCovariance: pp,
    filteredCovariance: pf,
  } = args.scratch;
  for (let t = 0; t < T; t++) {
    const m = t * D;
    for (let i = 0; i < D; i++) {
      const k = m + i;
      let mean: number;
      let variance: number;
      if (t === 0) {
        mean = offset[k] as number;
        variance = 1;
      } else {
        const slope = a[k] as number;
        mean = slope * (mf[k - D] as number) + (offset[k] as number);
        variance = slope * slope * (pf[k - D] as number) + 1;
      }
      mp[k] = mean;
      pp[k] = variance;
      const filtered = variance / (1 + lambda * variance);
      pf[k] = filtered;
      mf[k] = mean + lambda * filtered * ((observation[k] as number) - mean);
    }
  }
  if (args.smooth) {
    for (let t = T - 2; t >= 0; t--) {
      const m = t * D;
      for (let i = 0; i < D; i++) {
        const k = m + i;
        const next = k + D;
        const gain = ((pf[k] as number) * (a[next] as number)) / (pp[next] as number);
        mf[k] = (mf[k] as number) + gain * ((mf[next] as number) - (mp[next] as number));
      }
    }
  }
  for (let k = 0; k < T * D; k++) out[k] = mf[k] as number;
  return true;
}
