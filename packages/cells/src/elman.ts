/**
 * The Elman (tanh) RNN cell, flax `SimpleCell` / PyTorch `nn.RNN` convention, with its WGSL twin.
 *
 * @module
 */
import type { Cell, Tensor } from './cell.ts';
import { createCellFromKernel } from './cell-kernel.ts';
import {
  type GatedParameters,
  gatedOffsets,
  gatedParametersToWeights,
  packGatedParameters,
} from './gated-parameters.ts';
import { gatedCellParameters } from './gru.ts';
import type { WeightsLayout } from './weights.ts';
import { u32, WGSL_ACTIVATIONS, wgslKey } from './wgsl-common.ts';

/** flax names: input Dense `i` (no bias), recurrent Dense `h` (with bias). */
const ELMAN_NAMING = {
  flaxInput: ['i'],
  flaxRecurrent: ['h'],
  flaxInputBias: [false],
  flaxRecurrentBias: [true],
} as const;

/**
 * Options of {@link elman}; as for {@link gru}.
 *
 * @example
 * ```ts
 * const cell = elman({ hidden: 8, input: 2, layout: 'torch', weights: readSafetensors(bytes) });
 * ```
 */
export interface ElmanOptions {
  /** H, the hidden (state) size. */
  hidden: number;
  /** I, the input size (may be 0). */
  input: number;
  /**
   * flax names `i.kernel` [I, H], `h.kernel` [H, H], `h.bias` [H]; or PyTorch names `weight_ih_l0` [H, I],
   * `weight_hh_l0` [H, H], `bias_ih_l0`, `bias_hh_l0` [H] (biases optional).
   */
  weights?: Record<string, Tensor>;
  /** Seed of the default initialisation (default {@link DEFAULT_SEED}). */
  seed?: number;
  /** `'flax'` (default) or `'torch'`: naming of `weights` and the default initialisation, as for {@link gru}. */
  layout?: WeightsLayout;
}

/**
 * An Elman cell: a {@link Cell} that also exposes its parameters.
 *
 * @example
 * ```ts
 * const cell: ElmanCell = elman({ hidden: 8, input: 2 });
 * const saved = writeSafetensors(cell.weights());
 * ```
 */
export interface ElmanCell extends Cell {
  readonly hidden: number;
  readonly input: number;
  readonly parameters: GatedParameters;
  /** The weights as named tensors in `layout` (default flax). */
  weights(layout?: WeightsLayout): Record<string, Tensor>;
}

/**
 * The Elman RNN: h' = tanh(W_i x + b_i + W_h h + b_h) (Elman 1990). Jacobian
 * ∂h'_k/∂h_j = (1 - h'_k²) W_h[k, j]; the diagonal (1 - h'_k²) W_h[k, k] costs nothing extra.
 *
 * @example
 * ```ts
 * const cell = elman({ hidden: 16, input: 1, seed: 3 });
 * const diagonal = cell.jacobianDiagonal(new Float64Array(16), new Float64Array([1]), 1);
 * ```
 */
export function elman(options: ElmanOptions): ElmanCell {
  const { hidden, input, parameters } = gatedCellParameters(ELMAN_NAMING, options);
  const { inputKernels: wi, recurrentKernels: wh, inputBias: bi, recurrentBias: bh } = parameters;
  return createCellFromKernel(
    {
      name: 'elman',
      stateSize: hidden,
      inputSize: input,
      kernel: (states, so, inputs, io, values, vo, mode, jacobian, jo) => {
        for (let k = 0; k < hidden; k++) {
          let pre = (bi[k] ?? 0) + (bh[k] ?? 0);
          for (let i = 0; i < input; i++) pre += (wi[k * input + i] ?? 0) * (inputs[io + i] ?? 0);
          for (let j = 0; j < hidden; j++) pre += (wh[k * hidden + j] ?? 0) * (states[so + j] ?? 0);
          const value = Math.tanh(pre);
          values[vo + k] = value;
          const slope = 1 - value * value;
          if (mode === 'dense') {
            for (let j = 0; j < hidden; j++)
              jacobian[jo + k * hidden + j] = slope * (wh[k * hidden + j] ?? 0);
          } else if (mode === 'diagonal') {
            jacobian[jo + k] = slope * (wh[k * hidden + k] ?? 0);
          }
        }
      },
      wgsl: elmanWgsl(parameters),
    },
    {
      hidden,
      input,
      parameters,
      weights: (target: WeightsLayout = 'flax') => gatedParametersToWeights(ELMAN_NAMING, parameters, target),
    },
  );
}

function elmanWgsl(parameters: GatedParameters) {
  const offsets = gatedOffsets(parameters);
  const code = /* wgsl */ `
const cell_elman_input: u32 = ${u32(parameters.input)};
const cell_elman_wi: u32 = ${u32(offsets.inputKernels)};
const cell_elman_wh: u32 = ${u32(offsets.recurrentKernels)};
const cell_elman_bi: u32 = ${u32(offsets.inputBias)};
const cell_elman_bh: u32 = ${u32(offsets.recurrentBias)};
${WGSL_ACTIVATIONS}
fn cell_elman_unit(h: ptr<function, array<f32, STATE_SIZE>>, x: ptr<function, array<f32, INPUT_SIZE>>, k: u32) -> f32 {
  let H = cell_bound(STATE_SIZE);
  let I = cell_bound(cell_elman_input);
  var pre = cell_params[cell_elman_bi + k] + cell_params[cell_elman_bh + k];
  for (var i = 0u; i < I; i++) { pre += cell_params[cell_elman_wi + k * I + i] * (*x)[i]; }
  for (var j = 0u; j < H; j++) { pre += cell_params[cell_elman_wh + k * H + j] * (*h)[j]; }
  return cell_tanh(pre);
}

fn cell_step(s: array<f32, STATE_SIZE>, u: array<f32, INPUT_SIZE>) -> array<f32, STATE_SIZE> {
  var h = s;
  var x = u;
  var out: array<f32, STATE_SIZE>;
  for (var k = 0u; k < cell_bound(STATE_SIZE); k++) { out[k] = cell_elman_unit(&h, &x, k); }
  return out;
}

fn cell_step_diagonal(
  s: array<f32, STATE_SIZE>, u: array<f32, INPUT_SIZE>, diagonal: ptr<function, array<f32, STATE_SIZE>>,
) -> array<f32, STATE_SIZE> {
  var h = s;
  var x = u;
  var out: array<f32, STATE_SIZE>;
  for (var k = 0u; k < cell_bound(STATE_SIZE); k++) {
    let value = cell_elman_unit(&h, &x, k);
    out[k] = value;
    (*diagonal)[k] = (1.0 - value * value) * cell_params[cell_elman_wh + k * STATE_SIZE + k];
  }
  return out;
}

fn cell_jacobian_row(s: array<f32, STATE_SIZE>, u: array<f32, INPUT_SIZE>, row: u32) -> array<f32, STATE_SIZE> {
  var h = s;
  var x = u;
  let value = cell_elman_unit(&h, &x, row);
  let slope = 1.0 - value * value;
  var result: array<f32, STATE_SIZE>;
  for (var j = 0u; j < cell_bound(STATE_SIZE); j++) {
    result[j] = slope * cell_params[cell_elman_wh + row * STATE_SIZE + j];
  }
  return result;
}
`;
  return { code, parameters: packGatedParameters(parameters), key: wgslKey('elman', code) };
}
