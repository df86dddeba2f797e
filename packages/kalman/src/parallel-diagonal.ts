import type { ResolvedModel } from './resolved-model.ts';
import { LOG_TWO_PI } from './sequential-filter-full.ts';

/**
 * Parallel-filter elements of a diagonal model as structure-of-arrays, each [batch, length, D] in f64
 * (see `DiagonalFilterElement` for their meaning).
 */
export interface DiagonalFilterElementArrays {
  readonly A: Float64Array;
  readonly b: Float64Array;
  readonly C: Float64Array;
  readonly eta: Float64Array;
  readonly J: Float64Array;
}

/** Parallel-smoother elements of a diagonal model as structure-of-arrays, each [batch, length, D]. */
export interface DiagonalSmootherElementArrays {
  readonly E: Float64Array;
  readonly g: Float64Array;
  readonly L: Float64Array;
}

/**
 * Builds the parallel-filter elements (Särkkä & García-Fernández 2021, eq. 10–12, scalar) of every
 * sequence, step and dimension. With S = H² Q + R: A = F R / S, b = c + K (y − H c − d) (K = Q H / S),
 * C = Q R / S, η = F H (y − H c − d) / S, J = F² H² / S; at t = 1, from the prior: S = H² P₁ + R,
 * A = 0, b = m₁ + K (y − H m₁ − d) (K = P₁ H / S), C = P₁ R / S, η = J = 0.
 */
export function buildDiagonalFilterElements(model: ResolvedModel): DiagonalFilterElementArrays {
  const { batch, length, stateDim: D, observations } = model;
  const size = batch * length * D;
  const elements = {
    A: new Float64Array(size),
    b: new Float64Array(size),
    C: new Float64Array(size),
    eta: new Float64Array(size),
    J: new Float64Array(size),
  };
  const { A, b, C, eta, J } = elements;
  const F = model.transition;
  const c = model.transitionOffset;
  const Q = model.transitionCovariance;
  const H = model.observationMatrix;
  const dOffset = model.observationOffset;
  const R = model.observationCovariance;
  for (let n = 0; n < batch; n++) {
    for (let t = 0; t < length; t++) {
      const fo = n * F.sequenceStride + t * F.stepStride;
      const ho = n * H.sequenceStride + t * H.stepStride;
      const doo = n * dOffset.sequenceStride + t * dOffset.stepStride;
      const ro = n * R.sequenceStride + t * R.stepStride;
      const out = (n * length + t) * D;
      // At t = 0 the prior (m₁, P₁) plays the role of (c, Q) and there is no transition.
      const first = t === 0;
      const meanData = first ? model.initialMean.data : c.data;
      const mo = first ? n * model.initialMean.sequenceStride : n * c.sequenceStride + t * c.stepStride;
      const varianceData = first ? model.initialCovariance.data : Q.data;
      const qo = first ? n * model.initialCovariance.sequenceStride : n * Q.sequenceStride + t * Q.stepStride;
      for (let i = 0; i < D; i++) {
        const f = first ? 0 : (F.data[fo + i] ?? 0);
        const mean = meanData[mo + i] ?? 0;
        const q = varianceData[qo + i] ?? 0;
        const h = H.data[ho + i] ?? 0;
        const r = R.data[ro + i] ?? 0;
        const s = h * h * q + r;
        const innovation = (observations[out + i] ?? 0) - h * mean - (dOffset.data[doo + i] ?? 0);
        A[out + i] = (f * r) / s;
        b[out + i] = mean + ((q * h) / s) * innovation;
        C[out + i] = (q * r) / s;
        eta[out + i] = (f * h * innovation) / s;
        J[out + i] = (f * f * h * h) / s;
      }
    }
  }
  return elements;
}

/**
 * In place: `later ← earlier • later` for D consecutive lanes of the filter element arrays
 * (the combination of {@link combineDiagonalFilterElements}, on typed arrays).
 */
function combineFilterLanes(e: DiagonalFilterElementArrays, earlier: number, later: number, D: number): void {
  const { A, b, C, eta, J } = e;
  for (let i = 0; i < D; i++) {
    const ei = earlier + i;
    const li = later + i;
    const Ai = A[ei] ?? 0;
    const bi = b[ei] ?? 0;
    const Ci = C[ei] ?? 0;
    const Aj = A[li] ?? 0;
    const etaj = eta[li] ?? 0;
    const Jj = J[li] ?? 0;
    const scale = 1 / (1 + Ci * Jj);
    const AjScaled = Aj * scale;
    const AiScaled = Ai * scale;
    A[li] = AjScaled * Ai;
    b[li] = AjScaled * (bi + Ci * etaj) + (b[li] ?? 0);
    C[li] = AjScaled * Aj * Ci + (C[li] ?? 0);
    eta[li] = AiScaled * (etaj - Jj * bi) + (eta[ei] ?? 0);
    J[li] = AiScaled * Ai * Jj + (J[ei] ?? 0);
  }
}

/** In place: `later ← earlier • later` for D lanes of the smoother element arrays. */
function combineSmootherLanes(
  e: DiagonalSmootherElementArrays,
  earlier: number,
  later: number,
  D: number,
): void {
  const { E, g, L } = e;
  for (let i = 0; i < D; i++) {
    const ei = earlier + i;
    const li = later + i;
    const El = E[li] ?? 0;
    E[li] = El * (E[ei] ?? 0);
    g[li] = El * (g[ei] ?? 0) + (g[li] ?? 0);
    L[li] = El * El * (L[ei] ?? 0) + (L[li] ?? 0);
  }
}

/**
 * The combination schedule of an inclusive scan of `length` steps with the structure of a reduce-then-scan
 * parallel scan (the one `@elk/scan`'s `associativeScan` and the GPU kernels use): chunks of ⌈√length⌉ steps
 * are scanned independently, then each chunk is fixed up with the total of all chunks before it. Returns
 * (earlier, later) pairs of lane offsets (step · D) within one sequence, in execution order; with `reverse`
 * the steps are taken from the end.
 */
function laneScanSchedule(length: number, D: number, reverse: boolean): Int32Array {
  const chunk = Math.max(2, Math.ceil(Math.sqrt(length)));
  const pairs: number[] = [];
  const at = (position: number) => (reverse ? length - 1 - position : position) * D;
  for (let start = 0; start < length; start += chunk) {
    const end = Math.min(length, start + chunk);
    for (let position = start + 1; position < end; position++) pairs.push(at(position - 1), at(position));
  }
  for (let start = chunk; start < length; start += chunk) {
    const end = Math.min(length, start + chunk);
    for (let position = start; position < end; position++) pairs.push(at(start - 1), at(position));
  }
  return Int32Array.from(pairs);
}

/** Runs the forward scan of the filter elements in place: afterwards b is the filtered mean, C the variance. */
export function scanDiagonalFilterElements(
  elements: DiagonalFilterElementArrays,
  batch: number,
  length: number,
  D: number,
): void {
  const schedule = laneScanSchedule(length, D, false);
  for (let n = 0; n < batch; n++) {
    const base = n * length * D;
    for (let k = 0; k < schedule.length; k += 2) {
      combineFilterLanes(elements, base + (schedule[k] ?? 0), base + (schedule[k + 1] ?? 0), D);
    }
  }
}

/** Runs the reverse scan of the smoother elements in place: afterwards g is the smoothed mean, L the variance. */
export function scanDiagonalSmootherElements(
  elements: DiagonalSmootherElementArrays,
  batch: number,
  length: number,
  D: number,
): void {
  const schedule = laneScanSchedule(length, D, true);
  for (let n = 0; n < batch; n++) {
    const base = n * length * D;
    for (let k = 0; k < schedule.length; k += 2) {
      combineSmootherLanes(elements, base + (schedule[k] ?? 0), base + (schedule[k + 1] ?? 0), D);
    }
  }
}

/**
 * Builds the parallel-smoother elements (Särkkä & García-Fernández 2021, eq. 23–24, scalar) from filtered
 * means m and variances P: with P⁻ = F² P + Q (F, c, Q of the next step), E = P F / P⁻, g = m − E (F m + c),
 * L = P Q / P⁻ (= P − E F P); at the last step E = 0, g = m, L = P.
 */
export function buildDiagonalSmootherElements(
  model: ResolvedModel,
  means: Float64Array,
  variances: Float64Array,
): DiagonalSmootherElementArrays {
  const elements = { E: new Float64Array(means.length), g: means.slice(), L: variances.slice() };
  writeDiagonalSmootherElements(model, means, variances, elements);
  return elements;
}

/**
 * Writes the smoother elements of {@link buildDiagonalSmootherElements} into `elements`; every entry depends only
 * on the filtered moments at the same index, so `g` may be `means` and `L` may be `variances` (in place).
 * The last step's entries are left as they are (E = 0, g = m_T, L = P_T must already be there).
 */
function writeDiagonalSmootherElements(
  model: ResolvedModel,
  means: Float64Array,
  variances: Float64Array,
  elements: DiagonalSmootherElementArrays,
): void {
  const { batch, length, stateDim: D } = model;
  const { E, g, L } = elements;
  const F = model.transition;
  const c = model.transitionOffset;
  const Q = model.transitionCovariance;
  for (let n = 0; n < batch; n++) {
    for (let t = 0; t < length - 1; t++) {
      const fo = n * F.sequenceStride + (t + 1) * F.stepStride;
      const co = n * c.sequenceStride + (t + 1) * c.stepStride;
      const qo = n * Q.sequenceStride + (t + 1) * Q.stepStride;
      const out = (n * length + t) * D;
      for (let i = 0; i < D; i++) {
        const m = means[out + i] ?? 0;
        const P = variances[out + i] ?? 0;
        const f = F.data[fo + i] ?? 0;
        const q = Q.data[qo + i] ?? 0;
        const predicted = f * f * P + q;
        const gain = (P * f) / predicted;
        E[out + i] = gain;
        g[out + i] = m - gain * (f * m + (c.data[co + i] ?? 0));
        L[out + i] = (P * q) / predicted;
      }
    }
  }
}

/**
 * log p(y_1..y_T) per sequence from filtered means and variances, by the prediction error decomposition:
 * each term needs only the filtered moments of the previous step, so all terms are independent (parallel).
 */
export function diagonalLogLikelihood(
  model: ResolvedModel,
  means: Float64Array,
  variances: Float64Array,
): Float64Array {
  const { batch, length, stateDim: D, observations } = model;
  const F = model.transition;
  const c = model.transitionOffset;
  const Q = model.transitionCovariance;
  const H = model.observationMatrix;
  const dOffset = model.observationOffset;
  const R = model.observationCovariance;
  const result = new Float64Array(batch);
  for (let n = 0; n < batch; n++) {
    let total = 0;
    for (let t = 0; t < length; t++) {
      const fo = n * F.sequenceStride + t * F.stepStride;
      const co = n * c.sequenceStride + t * c.stepStride;
      const qo = n * Q.sequenceStride + t * Q.stepStride;
      const ho = n * H.sequenceStride + t * H.stepStride;
      const doo = n * dOffset.sequenceStride + t * dOffset.stepStride;
      const ro = n * R.sequenceStride + t * R.stepStride;
      const out = (n * length + t) * D;
      const previous = out - D;
      const m1 = n * model.initialMean.sequenceStride;
      const p1 = n * model.initialCovariance.sequenceStride;
      for (let i = 0; i < D; i++) {
        let mean: number;
        let variance: number;
        if (t === 0) {
          mean = model.initialMean.data[m1 + i] ?? 0;
          variance = model.initialCovariance.data[p1 + i] ?? 0;
        } else {
          const f = F.data[fo + i] ?? 0;
          mean = f * (means[previous + i] ?? 0) + (c.data[co + i] ?? 0);
          variance = f * f * (variances[previous + i] ?? 0) + (Q.data[qo + i] ?? 0);
        }
        const h = H.data[ho + i] ?? 0;
        const s = h * h * variance + (R.data[ro + i] ?? 0);
        const innovation = (observations[out + i] ?? 0) - h * mean - (dOffset.data[doo + i] ?? 0);
        total += -0.5 * ((innovation * innovation) / s + Math.log(s) + LOG_TWO_PI);
      }
    }
    result[n] = total;
  }
  return result;
}

/** The parallel filter of a diagonal model: elements, then the forward typed-array scan (f64). */
export function parallelFilterDiagonal(model: ResolvedModel): {
  means: Float64Array;
  variances: Float64Array;
} {
  const elements = buildDiagonalFilterElements(model);
  scanDiagonalFilterElements(elements, model.batch, model.length, model.stateDim);
  return { means: elements.b, variances: elements.C };
}

/** The parallel smoother of a diagonal model: the parallel filter, smoother elements, the reverse scan (f64). */
export function parallelSmootherDiagonal(model: ResolvedModel): {
  means: Float64Array;
  variances: Float64Array;
} {
  const filtered = parallelFilterDiagonal(model);
  const elements = buildDiagonalSmootherElements(model, filtered.means, filtered.variances);
  scanDiagonalSmootherElements(elements, model.batch, model.length, model.stateDim);
  return { means: elements.g, variances: elements.L };
}
