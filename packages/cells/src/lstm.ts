/**
 * The LSTM cell, flax `LSTMCell` / PyTorch `nn.LSTM` convention, with state s = [h, c] (size 2H) and its
 * WGSL twin.
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

/** flax names, gates i, f, g, o: input Dense `ii`, `if`, `ig`, `io` (no bias), recurrent `hi`, … (bias). */
const LSTM_NAMING = {
  flaxInput: ['ii', 'if', 'ig', 'io'],
  flaxRecurrent: ['hi', 'hf', 'hg', 'ho'],
  flaxInputBias: [false, false, false, false],
  flaxRecurrentBias: [true, true, true, true],
} as const;

/**
 * Options of {@link lstm}; as for {@link gru}.
 *
 * @example
 * ```ts
 * const cell = lstm({ hidden: 8, input: 3, weights: readSafetensors(bytes), layout: 'torch' });
 * ```
 */
export interface LstmOptions {
  /** H, the hidden size; the state is [h, c], of size 2H. */
  hidden: number;
  /** I, the input size (may be 0). */
  input: number;
  /**
   * flax names `ii.kernel`, `if.kernel`, `ig.kernel`, `io.kernel` [I, H]; `hi.kernel`, `hf.kernel`,
   * `hg.kernel`, `ho.kernel` [H, H]; `hi.bias`, `hf.bias`, `hg.bias`, `ho.bias` [H]. PyTorch names
   * `weight_ih_l0` [4H, I], `weight_hh_l0` [4H, H], `bias_ih_l0`, `bias_hh_l0` [4H] (gates i, f, g, o).
   */
  weights?: Record<string, Tensor>;
  /** Seed of the default initialisation (default {@link DEFAULT_SEED}). */
  seed?: number;
  /** `'flax'` (default) or `'torch'`, as for {@link gru}. */
  layout?: WeightsLayout;
}

/**
 * An LSTM cell: a {@link Cell} that also exposes its parameters.
 *
 * @example
 * ```ts
 * const cell: LstmCell = lstm({ hidden: 8, input: 3 });
 * cell.stateSize; // 16: [h, c]
 * ```
 */
export interface LstmCell extends Cell {
  readonly hidden: number;
  readonly input: number;
  /** Canonical parameters, gates i, f, g, o. */
  readonly parameters: GatedParameters;
  /** The weights as named tensors in `layout` (default flax). */
  weights(layout?: WeightsLayout): Record<string, Tensor>;
}

/**
 * The LSTM (Hochreiter & Schmidhuber 1997), state s = [h, c]:
 *   i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o) with a_q = W_iq x + b_iq + W_hq h + b_hq,
 *   c' = f ⊙ c + i ⊙ g,  h' = o ⊙ tanh(c').
 * Jacobian blocks: ∂c'/∂c = diag(f), ∂h'/∂c = diag(o (1 - tanh² c') f),
 *   ∂c'_k/∂h_j = c_k f_k(1-f_k) W_hf[k,j] + g_k i_k(1-i_k) W_hi[k,j] + i_k (1-g_k²) W_hg[k,j],
 *   ∂h'_k/∂h_j = o_k(1-o_k) tanh(c'_k) W_ho[k,j] + o_k (1 - tanh² c'_k) ∂c'_k/∂h_j.
 * The diagonal ([∂h'_k/∂h_k, f_k]) costs O(H(H + I)), like f.
 *
 * @example
 * ```ts
 * const cell = lstm({ hidden: 4, input: 2, seed: 5 }); // stateSize 8: [h, c]
 * const next = cell.step(new Float64Array(8), new Float64Array([1, 0]), 1);
 * ```
 */
export function lstm(options: LstmOptions): LstmCell {
  const { hidden, input, parameters } = gatedCellParameters(LSTM_NAMING, options);
  const { inputKernels: wi, recurrentKernels: wh, inputBias: bi, recurrentBias: bh } = parameters;
  const H = hidden;
  const D = 2 * H;
  const gate = (
    states: ArrayLike<number>,
    so: number,
    inputs: ArrayLike<number>,
    io: number,
    q: number,
    k: number,
  ) => {
    let pre = (bi[q * H + k] ?? 0) + (bh[q * H + k] ?? 0);
    const inputRow = (q * H + k) * input;
    for (let i = 0; i < input; i++) pre += (wi[inputRow + i] ?? 0) * (inputs[io + i] ?? 0);
    const row = (q * H + k) * H;
    for (let j = 0; j < H; j++) pre += (wh[row + j] ?? 0) * (states[so + j] ?? 0);
    return pre;
  };
  return createCellFromKernel(
    {
      name: 'lstm',
      stateSize: D,
      inputSize: input,
      kernel: (states, so, inputs, io, values, vo, mode, jacobian, jo) => {
        if (mode === 'dense') jacobian.fill(0, jo, jo + D * D);
        for (let k = 0; k < H; k++) {
          const i = 1 / (1 + Math.exp(-gate(states, so, inputs, io, 0, k)));
          const f = 1 / (1 + Math.exp(-gate(states, so, inputs, io, 1, k)));
          const g = Math.tanh(gate(states, so, inputs, io, 2, k));
          const o = 1 / (1 + Math.exp(-gate(states, so, inputs, io, 3, k)));
          const c = states[so + H + k] ?? 0;
          const cell = f * c + i * g;
          const squashed = Math.tanh(cell);
          values[vo + k] = o * squashed;
          values[vo + H + k] = cell;
          if (mode === 'none') continue;
          const dcI = g * i * (1 - i);
          const dcF = c * f * (1 - f);
          const dcG = i * (1 - g * g);
          const dhO = o * (1 - o) * squashed;
          const dhC = o * (1 - squashed * squashed);
          const rowI = k * H;
          const rowF = (H + k) * H;
          const rowG = (2 * H + k) * H;
          const rowO = (3 * H + k) * H;
          if (mode === 'diagonal') {
            const dc = dcF * (wh[rowF + k] ?? 0) + dcI * (wh[rowI + k] ?? 0) + dcG * (wh[rowG + k] ?? 0);
            jacobian[jo + k] = dhO * (wh[rowO + k] ?? 0) + dhC * dc;
            jacobian[jo + H + k] = f;
            continue;
          }
          const hRow = jo + k * D;
          const cRow = jo + (H + k) * D;
          for (let j = 0; j < H; j++) {
            const dc = dcF * (wh[rowF + j] ?? 0) + dcI * (wh[rowI + j] ?? 0) + dcG * (wh[rowG + j] ?? 0);
            jacobian[cRow + j] = dc;
            jacobian[hRow + j] = dhO * (wh[rowO + j] ?? 0) + dhC * dc;
          }
          jacobian[cRow + H + k] = f;
          jacobian[hRow + H + k] = dhC * f;
        }
      },
      wgsl: lstmWgsl(parameters),
    },
    {
      hidden,
      input,
      parameters,
      weights: (target: WeightsLayout = 'flax') => gatedParametersToWeights(LSTM_NAMING, parameters, target),
    },
  );
}

function lstmWgsl(parameters: GatedParameters) {
  const offsets = gatedOffsets(parameters);
  const code = /* wgsl */ `
const cell_lstm_hidden: u32 = ${u32(parameters.hidden)};
const cell_lstm_input: u32 = ${u32(parameters.input)};
const cell_lstm_wi: u32 = ${u32(offsets.inputKernels)};
const cell_lstm_wh: u32 = ${u32(offsets.recurrentKernels)};
const cell_lstm_bi: u32 = ${u32(offsets.inputBias)};
const cell_lstm_bh: u32 = ${u32(offsets.recurrentBias)};
${WGSL_ACTIVATIONS}
struct cell_lstm_unit_values { i: f32, f: f32, g: f32, o: f32, c: f32, cell: f32, squashed: f32 }

fn cell_lstm_unit(s: ptr<function, array<f32, STATE_SIZE>>, x: ptr<function, array<f32, INPUT_SIZE>>, k: u32)
  -> cell_lstm_unit_values {
  let H = cell_bound(cell_lstm_hidden);
  let I = cell_bound(cell_lstm_input);
  var pre = vec4<f32>(
    cell_params[cell_lstm_bi + k] + cell_params[cell_lstm_bh + k],
    cell_params[cell_lstm_bi + H + k] + cell_params[cell_lstm_bh + H + k],
    cell_params[cell_lstm_bi + 2u * H + k] + cell_params[cell_lstm_bh + 2u * H + k],
    cell_params[cell_lstm_bi + 3u * H + k] + cell_params[cell_lstm_bh + 3u * H + k],
  );
  for (var i = 0u; i < I; i++) {
    let at = cell_lstm_wi + k * I + i;
    pre += (*x)[i] * vec4<f32>(
      cell_params[at], cell_params[at + H * I], cell_params[at + 2u * H * I], cell_params[at + 3u * H * I],
    );
  }
  for (var j = 0u; j < H; j++) {
    let at = cell_lstm_wh + k * H + j;
    pre += (*s)[j] * vec4<f32>(
      cell_params[at], cell_params[at + H * H], cell_params[at + 2u * H * H], cell_params[at + 3u * H * H],
    );
  }
  let i = cell_sigmoid(pre.x);
  let f = cell_sigmoid(pre.y);
  let g = cell_tanh(pre.z);
  let o = cell_sigmoid(pre.w);
  let c = (*s)[cell_lstm_hidden + k];
  let cell = f * c + i * g;
  return cell_lstm_unit_values(i, f, g, o, c, cell, cell_tanh(cell));
}

// (W_hi, W_hf, W_hg, W_ho)[k, j]
fn cell_lstm_recurrent(k: u32, j: u32) -> vec4<f32> {
  let H = cell_lstm_hidden;
  let at = cell_lstm_wh + k * H + j;
  return vec4<f32>(cell_params[at], cell_params[at + H * H], cell_params[at + 2u * H * H], cell_params[at + 3u * H * H]);
}

// (∂c'_k/∂h_j, ∂h'_k/∂h_j)
fn cell_lstm_hidden_derivatives(v: cell_lstm_unit_values, k: u32, j: u32) -> vec2<f32> {
  let w = cell_lstm_recurrent(k, j);
  let dc = v.c * v.f * (1.0 - v.f) * w.y + v.g * v.i * (1.0 - v.i) * w.x + v.i * (1.0 - v.g * v.g) * w.z;
  let dh = v.o * (1.0 - v.o) * v.squashed * w.w + v.o * (1.0 - v.squashed * v.squashed) * dc;
  return vec2<f32>(dc, dh);
}

fn cell_step(s: array<f32, STATE_SIZE>, u: array<f32, INPUT_SIZE>) -> array<f32, STATE_SIZE> {
  var state = s;
  var x = u;
  var out: array<f32, STATE_SIZE>;
  for (var k = 0u; k < cell_bound(cell_lstm_hidden); k++) {
    let v = cell_lstm_unit(&state, &x, k);
    out[k] = v.o * v.squashed;
    out[cell_lstm_hidden + k] = v.cell;
  }
  return out;
}

fn cell_step_diagonal(
  s: array<f32, STATE_SIZE>, u: array<f32, INPUT_SIZE>, diagonal: ptr<function, array<f32, STATE_SIZE>>,
) -> array<f32, STATE_SIZE> {
  var state = s;
  var x = u;
  var out: array<f32, STATE_SIZE>;
  for (var k = 0u; k < cell_bound(cell_lstm_hidden); k++) {
    let v = cell_lstm_unit(&state, &x, k);
    out[k] = v.o * v.squashed;
    out[cell_lstm_hidden + k] = v.cell;
    (*diagonal)[k] = cell_lstm_hidden_derivatives(v, k, k).y;
    (*diagonal)[cell_lstm_hidden + k] = v.f;
  }
  return out;
}

fn cell_jacobian_row(s: array<f32, STATE_SIZE>, u: array<f32, INPUT_SIZE>, row: u32) -> array<f32, STATE_SIZE> {
  var state = s;
  var x = u;
  let H = cell_lstm_hidden;
  let is_cell_row = row >= H;
  let k = select(row, row - H, is_cell_row);
  let v = cell_lstm_unit(&state, &x, k);
  var result: array<f32, STATE_SIZE>;
  for (var j = 0u; j < cell_bound(H); j++) {
    let d = cell_lstm_hidden_derivatives(v, k, j);
    result[j] = select(d.y, d.x, is_cell_row);
  }
  result[H + k] = select(v.o * (1.0 - v.squashed * v.squashed) * v.f, v.f, is_cell_row);
  return result;
}
`;
  return { code, parameters: packGatedParameters(parameters), key: wgslKey('lstm', code) };
}
