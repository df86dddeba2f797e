/**
 * The gated recurrent unit in flax's `GRUCell` convention (the model of the DEER/ELK papers), also
 * loading PyTorch's `nn.GRU` weights.
 *
 * @module
 */
import type { Cell, Tensor } from './cell.ts';
import { createCellFromKernel } from './cell-kernel.ts';
import {
  detectLayout,
  type GatedNaming,
  type GatedParameters,
  gatedParametersToWeights,
  initGatedParameters,
  loadGatedParameters,
} from './gated-parameters.ts';
import { GRU_NAMING, gruElement, prepareGru } from './gru-core.ts';
import { gruWgsl } from './gru-wgsl.ts';
import { nonNegativeInteger, oneOf, positiveInteger } from './options.ts';
import { createRandom } from './random.ts';
import type { WeightsLayout } from './weights.ts';

/**
 * The seed of the default initialisation when `seed` is not given.
 *
 * @example
 * ```ts
 * gru({ hidden: 8, input: 1 }); // same weights as gru({ hidden: 8, input: 1, seed: DEFAULT_SEED })
 * ```
 */
export const DEFAULT_SEED = 0;

/**
 * Options of {@link gru}.
 *
 * @example
 * ```ts
 * const options: GruOptions = { hidden: 16, input: 1, seed: 7 };
 * const cell = gru(options);
 * ```
 */
export interface GruOptions {
  /** H, the hidden (state) size. */
  hidden: number;
  /** I, the input size (may be 0). */
  input: number;
  /**
   * Named tensors, e.g. from {@link readSafetensors}. flax names (kernels [in, out]): `ir.kernel`,
   * `iz.kernel`, `in.kernel` [I, H]; `ir.bias`, `iz.bias`, `in.bias` [H]; `hr.kernel`, `hz.kernel`,
   * `hn.kernel` [H, H]; `hn.bias` [H]. PyTorch names: `weight_ih_l0` [3H, I], `weight_hh_l0` [3H, H],
   * `bias_ih_l0`, `bias_hh_l0` [3H] (gates r, z, n; biases optional). A common prefix
   * (`params.cell.ir.kernel`, `gru.weight_ih_l0`) is accepted.
   */
  weights?: Record<string, Tensor>;
  /** Seed of the default initialisation when `weights` is absent (default {@link DEFAULT_SEED}). */
  seed?: number;
  /**
   * Naming of `weights` (detected from the names when absent) and of the initialisation without
   * weights: `'flax'` (default; lecun-normal input kernels, orthogonal recurrent kernels, zero biases)
   * or `'torch'` (every tensor U(-1/√H, 1/√H), PyTorch's default).
   */
  layout?: WeightsLayout;
}

/**
 * A GRU cell: a {@link Cell} that also exposes its parameters.
 *
 * @example
 * ```ts
 * const cell: GruCell = gru({ hidden: 8, input: 1 });
 * const bytes = writeSafetensors(cell.weights('flax'));
 * ```
 */
export interface GruCell extends Cell {
  readonly hidden: number;
  readonly input: number;
  /** The canonical parameters (gates r, z, n; one row per output unit). */
  readonly parameters: GatedParameters;
  /** The weights as named tensors in `layout` (default flax), ready for {@link writeSafetensors}. */
  weights(layout?: WeightsLayout): Record<string, Tensor>;
}

/**
 * A GRU cell, flax `GRUCell` convention (state = h, size H; input x, size I):
 *
 *   r = σ(x W_ir + b_ir + h W_hr),  z = σ(x W_iz + b_iz + h W_hz),
 *   n = tanh(x W_in + b_in + r ⊙ (h W_hn + b_hn)),  h' = (1 - z) ⊙ n + z ⊙ h.
 *
 * PyTorch's `nn.GRU` is the same with extra biases b_hr, b_hz. Jacobians are analytic (see gru-core.ts);
 * the diagonal costs O(H(H + I)), like f. Cho et al. 2014; flax.linen.GRUCell.
 *
 * @example
 * ```ts
 * const cell = gru({ hidden: 8, input: 2, seed: 1 });
 * const next = cell.step(new Float64Array(8), new Float64Array([0.5, -1]), 1);
 * const loaded = gru({ hidden: 8, input: 2, weights: readSafetensors(bytes) });
 * ```
 */
export function gru(options: GruOptions): GruCell {
  const { hidden, input, parameters } = gatedCellParameters(GRU_NAMING, options);
  const prepared = prepareGru(parameters);
  return createCellFromKernel(
    {
      name: 'gru',
      stateSize: hidden,
      inputSize: input,
      kernel: (states, so, inputs, io, values, vo, mode, jacobian, jo) =>
        gruElement(prepared, states, so, inputs, io, values, vo, mode, jacobian, jo, hidden),
      wgsl: gruWgsl(parameters),
    },
    {
      hidden,
      input,
      parameters,
      weights: (target: WeightsLayout = 'flax') => gatedParametersToWeights(GRU_NAMING, parameters, target),
    },
  );
}

/**
 * The sizes, layout and canonical parameters of a gated cell (GRU, LSTM, Elman) from its options: the sizes
 * validated, the layout given, detected from `weights` or flax, and the parameters loaded from `weights` or
 * initialised from `seed` (default {@link DEFAULT_SEED}).
 *
 * @example
 * ```ts
 * const { hidden, input, parameters } = gatedCellParameters(GRU_NAMING, { hidden: 8, input: 2, seed: 1 });
 * ```
 */
export function gatedCellParameters(
  naming: GatedNaming,
  options: {
    readonly hidden: number;
    readonly input: number;
    readonly weights?: Record<string, Tensor>;
    readonly seed?: number;
    readonly layout?: WeightsLayout;
  },
): { hidden: number; input: number; layout: WeightsLayout; parameters: GatedParameters } {
  const hidden = positiveInteger('hidden', options.hidden);
  const input = nonNegativeInteger('input', options.input);
  const layout = resolveLayout(options.layout, options.weights);
  const parameters = options.weights
    ? loadGatedParameters(naming, options.weights, layout, hidden, input)
    : initGatedParameters(naming, createRandom(options.seed ?? DEFAULT_SEED), layout, hidden, input);
  return { hidden, input, layout, parameters };
}

/**
 * `layout` when given (validated), else detected from `weights`, else `'flax'`.
 *
 * @example
 * ```ts
 * resolveLayout(undefined, { weight_ih_l0: tensor }); // 'torch'
 * ```
 */
export function resolveLayout(
  layout: WeightsLayout | undefined,
  weights: Record<string, Tensor> | undefined,
): WeightsLayout {
  if (layout !== undefined) return oneOf('layout', layout, ['flax', 'torch'] as const);
  return weights ? detectLayout(weights) : 'flax';
}
