import { type ParameterLayout, parameterOffsets } from './argru-parameters.ts';

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

function sigmoid(value: number): number {
  return 1 / (1 + Math.exp(-value));
}

/** softplus(ρ) = log(1 + e^ρ), computed without overflow. */
export function softplus(value: number): number {
  return value > 30 ? value : Math.log1p(Math.exp(value));
}

/** Sequences for one loss evaluation: `data` is [batch, length + 1] (x_0 … x_T), row-major. */
export interface SequenceBatch {
  data: Float64Array;
  batch: number;
  /** T, the number of predicted steps per sequence. */
  length: number;
}

/**
 * The AR-GRU's Gaussian one-step-ahead negative log-likelihood, averaged over all predicted steps,
 * and (when `gradient` is given) its gradient by backpropagation through time, written by hand:
 *
 *   h_t = GRU(h_{t−1}, x_{t−1}), h_0 = 0;  [μ_t, ρ_t] = h_t W_out + b_out;  σ_t = softplus(ρ_t);
 *   L = 1/(B T) Σ_b Σ_t [ log σ_t + (x_t − μ_t)² / (2 σ_t²) + ½ log 2π ]   (teacher forcing).
 *
 * @returns the loss L.
 * @example
 * ```ts
 * const gradient = new Float64Array(layout.size);
 * const loss = argruLoss(layout, parameters, batch, gradient);
 * ```
 */
export function argruLoss(
  layout: ParameterLayout,
  parameters: Float64Array,
  sequences: SequenceBatch,
  gradient?: Float64Array,
): number {
  const H = layout.hidden;
  const o = parameterOffsets(layout);
  const p = parameters;
  const { batch, length: T, data } = sequences;
  const scale = 1 / (batch * T);
  if (gradient) gradient.fill(0);
  // Per-step caches for the backward pass of one sequence.
  const hs = new Float64Array((T + 1) * H);
  const rs = new Float64Array(T * H);
  const zs = new Float64Array(T * H);
  const ns = new Float64Array(T * H);
  const gs = new Float64Array(T * H); // h W_hn + b_hn
  const mus = new Float64Array(T);
  const rhos = new Float64Array(T);
  const dh = new Float64Array(H);
  const dhPrevious = new Float64Array(H);
  let loss = 0;
  for (let b = 0; b < batch; b++) {
    const row = b * (T + 1);
    hs.fill(0, 0, H);
    for (let t = 0; t < T; t++) {
      const x = data[row + t] ?? 0;
      const hp = t * H;
      const hn = (t + 1) * H;
      for (let j = 0; j < H; j++) {
        let ar = x * (p[o.ir + j] ?? 0) + (p[o.irBias + j] ?? 0);
        let az = x * (p[o.iz + j] ?? 0) + (p[o.izBias + j] ?? 0);
        let g = p[o.hnBias + j] ?? 0;
        for (let k = 0; k < H; k++) {
          const h = hs[hp + k] ?? 0;
          ar += h * (p[o.hr + k * H + j] ?? 0);
          az += h * (p[o.hz + k * H + j] ?? 0);
          g += h * (p[o.hn + k * H + j] ?? 0);
        }
        const r = sigmoid(ar);
        const z = sigmoid(az);
        const n = Math.tanh(x * (p[o.in + j] ?? 0) + (p[o.inBias + j] ?? 0) + r * g);
        rs[t * H + j] = r;
        zs[t * H + j] = z;
        ns[t * H + j] = n;
        gs[t * H + j] = g;
        hs[hn + j] = (1 - z) * n + z * (hs[hp + j] ?? 0);
      }
      let mu = p[o.outBias] ?? 0;
      let rho = p[o.outBias + 1] ?? 0;
      for (let k = 0; k < H; k++) {
        const h = hs[hn + k] ?? 0;
        mu += h * (p[o.out + k * 2] ?? 0);
        rho += h * (p[o.out + k * 2 + 1] ?? 0);
      }
      mus[t] = mu;
      rhos[t] = rho;
      const sigma = softplus(rho);
      const residual = (data[row + t + 1] ?? 0) - mu;
      loss += Math.log(sigma) + (residual * residual) / (2 * sigma * sigma) + HALF_LOG_TWO_PI;
    }
    if (!gradient) continue;
    dh.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const x = data[row + t] ?? 0;
      const hp = t * H;
      const hn = (t + 1) * H;
      const mu = mus[t] ?? 0;
      const rho = rhos[t] ?? 0;
      const sigma = softplus(rho);
      const residual = (data[row + t + 1] ?? 0) - mu;
      const dMu = (-residual / (sigma * sigma)) * scale;
      const dSigma = (1 / sigma - (residual * residual) / (sigma * sigma * sigma)) * scale;
      const dRho = dSigma * sigmoid(rho);
      gradient[o.outBias] = (gradient[o.outBias] ?? 0) + dMu;
      gradient[o.outBias + 1] = (gradient[o.outBias + 1] ?? 0) + dRho;
      for (let k = 0; k < H; k++) {
        const h = hs[hn + k] ?? 0;
        gradient[o.out + k * 2] = (gradient[o.out + k * 2] ?? 0) + h * dMu;
        gradient[o.out + k * 2 + 1] = (gradient[o.out + k * 2 + 1] ?? 0) + h * dRho;
        dh[k] = (dh[k] ?? 0) + (p[o.out + k * 2] ?? 0) * dMu + (p[o.out + k * 2 + 1] ?? 0) * dRho;
      }
      dhPrevious.fill(0);
      // Through h' = (1 − z) n + z h and the three gates' pre-activations.
      for (let j = 0; j < H; j++) {
        const z = zs[t * H + j] ?? 0;
        const n = ns[t * H + j] ?? 0;
        const hPrevious = hs[hp + j] ?? 0;
        const dhj = dh[j] ?? 0;
        dhPrevious[j] = (dhPrevious[j] ?? 0) + dhj * z;
        const dAn = dhj * (1 - z) * (1 - n * n);
        const dAz = dhj * (hPrevious - n) * z * (1 - z);
        const r = rs[t * H + j] ?? 0;
        const g = gs[t * H + j] ?? 0;
        const dAr = dAn * g * r * (1 - r);
        const dG = dAn * r;
        gradient[o.in + j] = (gradient[o.in + j] ?? 0) + x * dAn;
        gradient[o.inBias + j] = (gradient[o.inBias + j] ?? 0) + dAn;
        gradient[o.iz + j] = (gradient[o.iz + j] ?? 0) + x * dAz;
        gradient[o.izBias + j] = (gradient[o.izBias + j] ?? 0) + dAz;
        gradient[o.ir + j] = (gradient[o.ir + j] ?? 0) + x * dAr;
        gradient[o.irBias + j] = (gradient[o.irBias + j] ?? 0) + dAr;
        gradient[o.hnBias + j] = (gradient[o.hnBias + j] ?? 0) + dG;
        for (let k = 0; k < H; k++) {
          const h = hs[hp + k] ?? 0;
          gradient[o.hn + k * H + j] = (gradient[o.hn + k * H + j] ?? 0) + h * dG;
          gradient[o.hz + k * H + j] = (gradient[o.hz + k * H + j] ?? 0) + h * dAz;
          gradient[o.hr + k * H + j] = (gradient[o.hr + k * H + j] ?? 0) + h * dAr;
          dhPrevious[k] =
            (dhPrevious[k] ?? 0) +
            (p[o.hn + k * H + j] ?? 0) * dG +
            (p[o.hz + k * H + j] ?? 0) * dAz +
            (p[o.hr + k * H + j] ?? 0) * dAr;
        }
      }
      dh.set(dhPrevious);
    }
  }
  return loss * scale;
}
