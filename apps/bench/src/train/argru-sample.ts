import { softplus } from './argru-loss.ts';
import { type ParameterLayout, parameterOffsets } from './argru-parameters.ts';

/**
 * Samples the AR-GRU sequentially (the oracle rollout, in f64): h_t = GRU(h_{t−1}, x_{t−1}),
 * x_t = μ_t + softplus(ρ_t) ε_t, from x_0 = 0, h_0 = 0, with the given drivers ε_1..ε_T.
 * Returns x_1..x_T.
 *
 * @example
 * ```ts
 * const x = sampleArgru(layout, parameters, createRandom(1).fillNormal(new Float64Array(2000)));
 * ```
 */
export function sampleArgru(
  layout: ParameterLayout,
  parameters: Float64Array,
  drivers: Float64Array,
): Float64Array {
  const H = layout.hidden;
  const o = parameterOffsets(layout);
  const p = parameters;
  let h = new Float64Array(H);
  let next = new Float64Array(H);
  let x = 0;
  const out = new Float64Array(drivers.length);
  for (let t = 0; t < drivers.length; t++) {
    for (let j = 0; j < H; j++) {
      let ar = x * (p[o.ir + j] ?? 0) + (p[o.irBias + j] ?? 0);
      let az = x * (p[o.iz + j] ?? 0) + (p[o.izBias + j] ?? 0);
      let g = p[o.hnBias + j] ?? 0;
      for (let k = 0; k < H; k++) {
        const hk = h[k] ?? 0;
        ar += hk * (p[o.hr + k * H + j] ?? 0);
        az += hk * (p[o.hz + k * H + j] ?? 0);
        g += hk * (p[o.hn + k * H + j] ?? 0);
      }
      const r = 1 / (1 + Math.exp(-ar));
      const z = 1 / (1 + Math.exp(-az));
      const n = Math.tanh(x * (p[o.in + j] ?? 0) + (p[o.inBias + j] ?? 0) + r * g);
      next[j] = (1 - z) * n + z * (h[j] ?? 0);
    }
    [h, next] = [next, h];
    let mu = p[o.outBias] ?? 0;
    let rho = p[o.outBias + 1] ?? 0;
    for (let k = 0; k < H; k++) {
      mu += (h[k] ?? 0) * (p[o.out + k * 2] ?? 0);
      rho += (h[k] ?? 0) * (p[o.out + k * 2 + 1] ?? 0);
    }
    x = mu + softplus(rho) * (drivers[t] ?? 0);
    out[t] = x;
  }
  return out;
}
