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
 * The GRU's weights rearranged for the CPU loops: per output unit k and source j, the three gates'
 * weights side by side (`recurrent[(k·H + j)·3 + g]`, `input[(k·I + i)·3 + g]`, g = r, z, n), and the biases
 * of r and z folded (b_ir + b_hr, b_iz + b_hz).
 *
 * @example
 * ```ts
 * const prepared = prepareGru(gru({ hidden: 8, input: 1 }).parameters);
 * ```
 */
export interface PreparedGru {
  readonly hidden: number;
  readonly input: number;
  readonly recurrent: Float64Array;
  readonly inputWeights: Float64Array;
  /** [H, 4]: b_r, b_z, b_in, b_hn per unit. */
  readonly biases: Float64Array;
  /** Scratch copies of h and x, so the inner loops read one array type. */
  readonly hiddenScratch: Float64Array;
  readonly inputScratch: Float64Array;
}

/** Rearranges canonical GRU parameters for {@link gruElement}; see {@link PreparedGru}. */
export function prepareGru(parameters: GatedParameters): PreparedGru {
  const {
    hidden: H,
    input: I,
    inputKernels: wi,
    recurrentKernels: wh,
    inputBias: bi,
    recurrentBias: bh,
  } = parameters;
  const recurrent = new Float64Array(3 * H * H);
  const inputWeights = new Float64Array(3 * H * I);
  const biases = new Float64Array(4 * H);
  for (let k = 0; k < H; k++) {
    for (let g = 0; g < 3; g++) {
      for (let j = 0; j < H; j++) recurrent[(k * H + j) * 3 + g] = wh[(g * H + k) * H + j] ?? 0;
      for (let i = 0; i < I; i++) inputWeights[(k * I + i) * 3 + g] = wi[(g * H + k) * I + i] ?? 0;
    }
    biases[4 * k] = (bi[k] ?? 0) + (bh[k] ?? 0);
    biases[4 * k + 1] = (bi[H + k] ?? 0) + (bh[H + k] ?? 0);
    biases[4 * k + 2] = bi[2 * H + k] ?? 0;
    biases[4 * k + 3] = bh[2 * H + k] ?? 0;
  }
  return {
    hidden: H,
    input: I,
    recurrent,
    inputWeights,
    biases,
    hiddenScratch: new Float64Array(H),
    inputScratch: new Float64Array(I),
  };
}

/**
 * h' = GRU(h, x) at `out[outOffset ..]`; with `mode` `'dense'`, ∂h'/∂h at
 * `jacobian[jacobianOffset + k·rowStride + j]`; with `'diagonal'`, its diagonal at `jacobian[jacobianOffset + k]`;
 * with `inputJacobian`, ∂h'/∂x as [H, I] row-major.
 *
 * @example
 * ```ts
 * gruElement(prepareGru(parameters), h, 0, x, 0, next, 0, 'diagonal', diagonal, 0, hidden);
 * ```
 */
export function gruElement(
  prepared: PreparedGru,
  hiddenState: FloatArray,
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
    recurrent,
    inputWeights,
    biases,
    hiddenScratch: h,
    inputScratch: x,
  } = prepared;
  for (let j = 0; j < H; j++) h[j] = hiddenState[hiddenOffset + j] ?? 0;
  for (let i = 0; i < I; i++) x[i] = input[inputOffset + i] ?? 0;
  for (let k = 0; k < H; k++) {
    let preR = biases[4 * k] ?? 0;
    let preZ = biases[4 * k + 1] ?? 0;
    let preN = biases[4 * k + 2] ?? 0;
    let hiddenN = biases[4 * k + 3] ?? 0;
    let at = k * I * 3;
    for (let i = 0; i < I; i++, at += 3) {
      const value = x[i] ?? 0;
      preR += (inputWeights[at] ?? 0) * value;
      preZ += (inputWeights[at + 1] ?? 0) * value;
      preN += (inputWeights[at + 2] ?? 0) * value;
    }
    at = k * H * 3;
    for (let j = 0; j < H; j++, at += 3) {
      const value = h[j] ?? 0;
      preR += (recurrent[at] ?? 0) * value;
      preZ += (recurrent[at + 1] ?? 0) * value;
      hiddenN += (recurrent[at + 2] ?? 0) * value;
    }
    const r = 1 / (1 + Math.exp(-preR));
    const z = 1 / (1 + Math.exp(-preZ));
    const n = Math.tanh(preN + r * hiddenN);
    const hk = h[k] ?? 0;
    out[outOffset + k] = (1 - z) * n + z * hk;
    if (mode === 'none' && inputJacobian === undefined) continue;
    const a = (hk - n) * z * (1 - z);
    const c = (1 - z) * (1 - n * n);
    const cr = c * r * (1 - r) * hiddenN;
    const cn = c * r;
    const row = k * H * 3;
    if (mode === 'dense') {
      const base = jacobianOffset + k * rowStride;
      for (let j = 0, w = row; j < H; j++, w += 3) {
        jacobian[base + j] =
          cr * (recurrent[w] ?? 0) + a * (recurrent[w + 1] ?? 0) + cn * (recurrent[w + 2] ?? 0);
      }
      jacobian[base + k] = (jacobian[base + k] ?? 0) + z;
    } else if (mode === 'diagonal') {
      const w = row + 3 * k;
      jacobian[jacobianOffset + k] =
        cr * (recurrent[w] ?? 0) + a * (recurrent[w + 1] ?? 0) + cn * (recurrent[w + 2] ?? 0) + z;
    }
    if (inputJacobian !== undefined) {
      for (let i = 0, w = k * I * 3; i < I; i++, w += 3) {
        inputJacobian[k * I + i] =
          cr * (inputWeights[w] ?? 0) + a * (inputWeights[w + 1] ?? 0) + c * (inputWeights[w + 2] ?? 0);
      }
    }
  }
}
