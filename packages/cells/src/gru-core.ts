/**
 * One GRU step for one sequence element, with its Jacobians: the mathematics shared by {@link gru} and
 * {@link arGru}.
 *
 * Gates (canonical order r, z, n; see gated-parameters.ts):
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz),
 *   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h' = (1 - z) ⊙ n + z ⊙ h.
 * Jacobian, with a_k = (h_k - n_k) z_k (1 - z_k), c_k = (1 - z_k)(1 - n_k²), ĥ_k = (W_hn h + b_hn)_k:
 *   ∂h'_k/∂h_j = a_k W_hz[k,j] + c_k (r_k (1 - r_k) ĥ_k W_hr[k,j] + r_k W_hn[k,j]) + z_k δ_kj,
 *   ∂h'_k/∂x_i = a_k W_iz[k,i] + c_k (r_k (1 - r_k) ĥ_k W_ir[k,i] + W_in[k,i]).
 *
 * @module
 */
import type { FloatArray } from './cell.ts';
import type { JacobianMode } from './cell-kernel.ts';
import type { GatedParameters } from './gated-parameters.ts';

/**
 * The flax names of the GRU's Dense modules (gates r, z, n); flax's GRUCell has no `hr`/`hz` bias.
 *
 * @example
 * ```ts
 * loadGatedParameters(GRU_NAMING, weights, 'flax', hidden, input);
 * ```
 */
export const GRU_NAMING = {
  flaxInput: ['ir', 'iz', 'in'],
  flaxRecurrent: ['hr', 'hz', 'hn'],
  flaxInputBias: [true, true, true],
  flaxRecurrentBias: [false, false, true],
} as const;

/**
 * h' = GRU(h, x) at `out[outOffset ..]`; with `mode` `'dense'`, ∂h'/∂h at
 * `jacobian[jacobianOffset + k·rowStride + j]`; with `'diagonal'`, its diagonal at `jacobian[jacobianOffset + k]`;
 * with `inputJacobian`, ∂h'/∂x as [H, I] row-major.
 *
 * @example
 * ```ts
 * gruElement(parameters, h, 0, x, 0, next, 0, 'diagonal', diagonal, 0, hidden);
 * ```
 */
export function gruElement(
  parameters: GatedParameters,
  hidden: FloatArray,
  hiddenOffset: number,
  input: FloatArray,
  inputOffset: number,
  out: FloatArray,
  outOffset: number,
  mode: JacobianMode,
  jacobian: FloatArray,
  jacobianOffset: number,
  rowStride: number,
  inputJacobian?: Float64Array,
): void {
  const {
    hidden: H,
    input: I,
    inputKernels: wi,
    recurrentKernels: wh,
    inputBias: bi,
    recurrentBias: bh,
  } = parameters;
  const zi = H * I;
  const ni = 2 * H * I;
  const zh = H * H;
  const nh = 2 * H * H;
  for (let k = 0; k < H; k++) {
    let preR = (bi[k] ?? 0) + (bh[k] ?? 0);
    let preZ = (bi[H + k] ?? 0) + (bh[H + k] ?? 0);
    let preN = bi[2 * H + k] ?? 0;
    let hiddenN = bh[2 * H + k] ?? 0;
    const inputRow = k * I;
    for (let i = 0; i < I; i++) {
      const x = input[inputOffset + i] ?? 0;
      preR += (wi[inputRow + i] ?? 0) * x;
      preZ += (wi[zi + inputRow + i] ?? 0) * x;
      preN += (wi[ni + inputRow + i] ?? 0) * x;
    }
    const row = k * H;
    for (let j = 0; j < H; j++) {
      const h = hidden[hiddenOffset + j] ?? 0;
      preR += (wh[row + j] ?? 0) * h;
      preZ += (wh[zh + row + j] ?? 0) * h;
      hiddenN += (wh[nh + row + j] ?? 0) * h;
    }
    const r = 1 / (1 + Math.exp(-preR));
    const z = 1 / (1 + Math.exp(-preZ));
    const n = Math.tanh(preN + r * hiddenN);
    const hk = hidden[hiddenOffset + k] ?? 0;
    out[outOffset + k] = (1 - z) * n + z * hk;
    if (mode === 'none' && inputJacobian === undefined) continue;
    const a = (hk - n) * z * (1 - z);
    const c = (1 - z) * (1 - n * n);
    const cr = c * r * (1 - r) * hiddenN;
    const cn = c * r;
    if (mode === 'dense') {
      const base = jacobianOffset + k * rowStride;
      for (let j = 0; j < H; j++) {
        jacobian[base + j] =
          a * (wh[zh + row + j] ?? 0) + cr * (wh[row + j] ?? 0) + cn * (wh[nh + row + j] ?? 0);
      }
      jacobian[base + k] = (jacobian[base + k] ?? 0) + z;
    } else if (mode === 'diagonal') {
      jacobian[jacobianOffset + k] =
        a * (wh[zh + row + k] ?? 0) + cr * (wh[row + k] ?? 0) + cn * (wh[nh + row + k] ?? 0) + z;
    }
    if (inputJacobian !== undefined) {
      for (let i = 0; i < I; i++) {
        inputJacobian[inputRow + i] =
          a * (wi[zi + inputRow + i] ?? 0) + cr * (wi[inputRow + i] ?? 0) + c * (wi[ni + inputRow + i] ?? 0);
      }
    }
  }
}
