/**
 * Parameters of gated recurrent cells (GRU, LSTM, Elman) in one canonical form, loaded from and exported to
 * flax or PyTorch tensor names, or initialised like those libraries do.
 *
 * Canonical form, for G gates, hidden size H and input size I (all row-major, one row per output unit):
 * gate g's pre-activation is `W_i[g] x + b_i[g]` and `W_h[g] h + b_h[g]`, with
 * `inputKernels` [G, H, I], `recurrentKernels` [G, H, H], `inputBias` [G, H], `recurrentBias` [G, H].
 *
 * @module
 */
import type { Tensor } from './cell.ts';
import { lecunNormal, orthogonal, torchUniform } from './initializers.ts';
import type { Random } from './random.ts';
import { findTensor, readWeight, tensor, transpose, type WeightsLayout } from './weights.ts';

/**
 * The canonical parameters of a gated cell; see the module comment.
 *
 * @example
 * ```ts
 * const { recurrentKernels } = gru({ hidden: 4, input: 1 }).parameters; // [3, 4, 4]: W_hr, W_hz, W_hn
 * ```
 */
export interface GatedParameters {
  readonly gates: number;
  readonly hidden: number;
  readonly input: number;
  readonly inputKernels: Float64Array;
  readonly recurrentKernels: Float64Array;
  readonly inputBias: Float64Array;
  readonly recurrentBias: Float64Array;
}

/**
 * How a gated cell names its tensors. flax: one Dense per gate and side, kernels [in, out]
 * (`ir.kernel`, `hn.bias`, …); PyTorch: stacked `weight_ih_l0` [G·H, I], `weight_hh_l0` [G·H, H],
 * `bias_ih_l0`, `bias_hh_l0` [G·H] in the gate order of `gates`.
 *
 * @example
 * ```ts
 * const naming: GatedNaming = { flaxInput: ['i'], flaxRecurrent: ['h'], flaxInputBias: [false], flaxRecurrentBias: [true] };
 * ```
 */
export interface GatedNaming {
  /** flax module names of the input Dense per gate, e.g. `['ir', 'iz', 'in']`. */
  readonly flaxInput: readonly string[];
  /** flax module names of the recurrent Dense per gate, e.g. `['hr', 'hz', 'hn']`. */
  readonly flaxRecurrent: readonly string[];
  /** Whether each input Dense has a bias in flax. */
  readonly flaxInputBias: readonly boolean[];
  /** Whether each recurrent Dense has a bias in flax. */
  readonly flaxRecurrentBias: readonly boolean[];
}

/**
 * PyTorch's names for a single-layer recurrent module's tensors.
 *
 * @example
 * ```ts
 * weights[TORCH_NAMES.inputKernel]; // weights['weight_ih_l0']
 * ```
 */
export const TORCH_NAMES = {
  inputKernel: 'weight_ih_l0',
  recurrentKernel: 'weight_hh_l0',
  inputBias: 'bias_ih_l0',
  recurrentBias: 'bias_hh_l0',
} as const;

/**
 * Detects the layout of a weights record: `'torch'` when it holds `weight_ih_l0` (under any prefix).
 *
 * @example
 * ```ts
 * detectLayout({ weight_ih_l0: tensor }); // 'torch'
 * ```
 */
export function detectLayout(weights: Record<string, Tensor>): WeightsLayout {
  return findTensor(weights, TORCH_NAMES.inputKernel) === undefined ? 'flax' : 'torch';
}

/**
 * Reads the canonical parameters from `weights` named in `layout`; throws `WeightsError` when wrong.
 *
 * @example
 * ```ts
 * const parameters = loadGatedParameters(GRU_NAMING, weights, 'flax', 8, 1);
 * ```
 */
export function loadGatedParameters(
  naming: GatedNaming,
  weights: Record<string, Tensor>,
  layout: WeightsLayout,
  hidden: number,
  input: number,
): GatedParameters {
  const gates = naming.flaxInput.length;
  const parameters = emptyParameters(gates, hidden, input);
  if (layout === 'torch') {
    parameters.inputKernels.set(readWeight(weights, TORCH_NAMES.inputKernel, [gates * hidden, input]));
    parameters.recurrentKernels.set(
      readWeight(weights, TORCH_NAMES.recurrentKernel, [gates * hidden, hidden]),
    );
    if (findTensor(weights, TORCH_NAMES.inputBias) !== undefined) {
      parameters.inputBias.set(readWeight(weights, TORCH_NAMES.inputBias, [gates * hidden]));
    }
    if (findTensor(weights, TORCH_NAMES.recurrentBias) !== undefined) {
      parameters.recurrentBias.set(readWeight(weights, TORCH_NAMES.recurrentBias, [gates * hidden]));
    }
    return parameters;
  }
  for (let gate = 0; gate < gates; gate++) {
    const inputName = naming.flaxInput[gate] ?? '';
    const recurrentName = naming.flaxRecurrent[gate] ?? '';
    const inputKernel = readWeight(weights, `${inputName}.kernel`, [input, hidden]);
    parameters.inputKernels.set(transpose(inputKernel, input, hidden), gate * hidden * input);
    const recurrentKernel = readWeight(weights, `${recurrentName}.kernel`, [hidden, hidden]);
    parameters.recurrentKernels.set(transpose(recurrentKernel, hidden, hidden), gate * hidden * hidden);
    if (naming.flaxInputBias[gate]) {
      parameters.inputBias.set(readWeight(weights, `${inputName}.bias`, [hidden]), gate * hidden);
    }
    if (naming.flaxRecurrentBias[gate]) {
      parameters.recurrentBias.set(readWeight(weights, `${recurrentName}.bias`, [hidden]), gate * hidden);
    }
  }
  return parameters;
}

/**
 * Default initialisation. flax (`GRUCell`, `LSTMCell`, `SimpleCell`): input kernels `lecun_normal`,
 * recurrent kernels `orthogonal`, biases zero. PyTorch: every tensor U(-1/√H, 1/√H).
 *
 * @example
 * ```ts
 * const parameters = initGatedParameters(GRU_NAMING, createRandom(0), 'flax', 8, 1);
 * ```
 */
export function initGatedParameters(
  naming: GatedNaming,
  random: Random,
  layout: WeightsLayout,
  hidden: number,
  input: number,
): GatedParameters {
  const gates = naming.flaxInput.length;
  const parameters = emptyParameters(gates, hidden, input);
  if (layout === 'torch') {
    parameters.inputKernels.set(torchUniform(random, gates * hidden * input, hidden));
    parameters.recurrentKernels.set(torchUniform(random, gates * hidden * hidden, hidden));
    parameters.inputBias.set(torchUniform(random, gates * hidden, hidden));
    parameters.recurrentBias.set(torchUniform(random, gates * hidden, hidden));
    return parameters;
  }
  for (let gate = 0; gate < gates; gate++) {
    if (input > 0) {
      const kernel = lecunNormal(random, input, hidden);
      parameters.inputKernels.set(transpose(kernel, input, hidden), gate * hidden * input);
    }
  }
  for (let gate = 0; gate < gates; gate++) {
    const kernel = orthogonal(random, hidden);
    parameters.recurrentKernels.set(transpose(kernel, hidden, hidden), gate * hidden * hidden);
  }
  return parameters;
}

/**
 * The parameters as a named-tensor record in `layout` (what {@link loadGatedParameters} reads back).
 * In flax names, a bias flax does not have is folded into the other bias of the same gate (exact,
 * since both are added to the same pre-activation).
 *
 * @example
 * ```ts
 * const torchWeights = gatedParametersToWeights(GRU_NAMING, parameters, 'torch');
 * ```
 */
export function gatedParametersToWeights(
  naming: GatedNaming,
  parameters: GatedParameters,
  layout: WeightsLayout,
): Record<string, Tensor> {
  const { gates, hidden, input } = parameters;
  if (layout === 'torch') {
    return {
      [TORCH_NAMES.inputKernel]: tensor([gates * hidden, input], parameters.inputKernels),
      [TORCH_NAMES.recurrentKernel]: tensor([gates * hidden, hidden], parameters.recurrentKernels),
      [TORCH_NAMES.inputBias]: tensor([gates * hidden], parameters.inputBias),
      [TORCH_NAMES.recurrentBias]: tensor([gates * hidden], parameters.recurrentBias),
    };
  }
  const weights: Record<string, Tensor> = {};
  for (let gate = 0; gate < gates; gate++) {
    const inputName = naming.flaxInput[gate] ?? '';
    const recurrentName = naming.flaxRecurrent[gate] ?? '';
    const inputKernel = parameters.inputKernels.subarray(gate * hidden * input, (gate + 1) * hidden * input);
    weights[`${inputName}.kernel`] = tensor([input, hidden], transpose(inputKernel, hidden, input));
    const recurrentKernel = parameters.recurrentKernels.subarray(
      gate * hidden * hidden,
      (gate + 1) * hidden * hidden,
    );
    weights[`${recurrentName}.kernel`] = tensor([hidden, hidden], transpose(recurrentKernel, hidden, hidden));
    const inputBias = parameters.inputBias.slice(gate * hidden, (gate + 1) * hidden);
    const recurrentBias = parameters.recurrentBias.slice(gate * hidden, (gate + 1) * hidden);
    const hasInputBias = naming.flaxInputBias[gate] === true;
    const hasRecurrentBias = naming.flaxRecurrentBias[gate] === true;
    if (hasInputBias && !hasRecurrentBias)
      for (let k = 0; k < hidden; k++) inputBias[k] = (inputBias[k] ?? 0) + (recurrentBias[k] ?? 0);
    if (hasRecurrentBias && !hasInputBias)
      for (let k = 0; k < hidden; k++) recurrentBias[k] = (recurrentBias[k] ?? 0) + (inputBias[k] ?? 0);
    if (hasInputBias) weights[`${inputName}.bias`] = tensor([hidden], inputBias);
    if (hasRecurrentBias) weights[`${recurrentName}.bias`] = tensor([hidden], recurrentBias);
  }
  return weights;
}

function emptyParameters(gates: number, hidden: number, input: number) {
  return {
    gates,
    hidden,
    input,
    inputKernels: new Float64Array(gates * hidden * input),
    recurrentKernels: new Float64Array(gates * hidden * hidden),
    inputBias: new Float64Array(gates * hidden),
    recurrentBias: new Float64Array(gates * hidden),
  };
}

/**
 * Packs the canonical parameters for WGSL: input kernels, recurrent kernels, input bias, recurrent bias.
 *
 * @example
 * ```ts
 * const packed = packGatedParameters(parameters, decoderWeights); // Float32Array for cell_params
 * ```
 */
export function packGatedParameters(
  parameters: GatedParameters,
  extra: ArrayLike<number> = [],
): Float32Array {
  const { inputKernels, recurrentKernels, inputBias, recurrentBias } = parameters;
  const packed = new Float32Array(
    inputKernels.length + recurrentKernels.length + inputBias.length + recurrentBias.length + extra.length,
  );
  let offset = 0;
  for (const part of [inputKernels, recurrentKernels, inputBias, recurrentBias, extra]) {
    packed.set(part, offset);
    offset += part.length;
  }
  return packed;
}

/**
 * Offsets (in f32 elements) of the parts written by {@link packGatedParameters}.
 *
 * @example
 * ```ts
 * const { recurrentKernels } = gatedOffsets(parameters); // where W_h starts in cell_params
 * ```
 */
export function gatedOffsets(parameters: GatedParameters) {
  const { gates, hidden, input } = parameters;
  const inputKernels = 0;
  const recurrentKernels = inputKernels + gates * hidden * input;
  const inputBias = recurrentKernels + gates * hidden * hidden;
  const recurrentBias = inputBias + gates * hidden;
  const extra = recurrentBias + gates * hidden;
  return { inputKernels, recurrentKernels, inputBias, recurrentBias, extra };
}
