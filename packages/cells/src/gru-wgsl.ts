/**
 * The GRU's WGSL twin (see {@link CellWgsl}): the same equations as gru-core.ts, reading the canonical
 * parameters packed by `packGatedParameters` from `cell_params`.
 *
 * @module
 */
import type { CellWgsl } from './cell.ts';
import { type GatedParameters, gatedOffsets, packGatedParameters } from './gated-parameters.ts';
import { u32, WGSL_ACTIVATIONS, wgslKey } from './wgsl-common.ts';

/**
 * WGSL for the GRU gates of hidden unit k: `cell_gru_gates(h, h_offset, x, x_offset, k)`, with h read at
 * `(*h)[h_offset + j]` and x at `(*x)[x_offset + i]`, where x is an array of `inputArrayLength`.
 * Returns r, z, n and ĥ = (W_hn h + b_hn)_k. Also defines `cell_gru_row_weights(k, j)` → (W_hr, W_hz, W_hn)[k, j]
 * and `cell_gru_input_weights(k, i)` → (W_ir, W_iz, W_in)[k, i].
 *
 * @example
 * ```ts
 * const helpers = gruGatesWgsl(parameters, 'INPUT_SIZE'); // defines cell_gru_gates(…)
 * ```
 */
export function gruGatesWgsl(parameters: GatedParameters, inputArrayLength: string): string {
  const { hidden, input } = parameters;
  const offsets = gatedOffsets(parameters);
  return /* wgsl */ `
const cell_gru_hidden: u32 = ${u32(hidden)};
const cell_gru_input: u32 = ${u32(input)};
const cell_gru_wi: u32 = ${u32(offsets.inputKernels)};
const cell_gru_wh: u32 = ${u32(offsets.recurrentKernels)};
const cell_gru_bi: u32 = ${u32(offsets.inputBias)};
const cell_gru_bh: u32 = ${u32(offsets.recurrentBias)};
${WGSL_ACTIVATIONS}
struct cell_gru_gate_values { r: f32, z: f32, n: f32, hidden_n: f32 }

fn cell_gru_gates(
  h: ptr<function, array<f32, STATE_SIZE>>, h_offset: u32,
  x: ptr<function, array<f32, ${inputArrayLength}>>, x_offset: u32, k: u32,
) -> cell_gru_gate_values {
  let H = cell_bound(cell_gru_hidden);
  let I = cell_bound(cell_gru_input);
  var pre_r = cell_params[cell_gru_bi + k] + cell_params[cell_gru_bh + k];
  var pre_z = cell_params[cell_gru_bi + H + k] + cell_params[cell_gru_bh + H + k];
  var pre_n = cell_params[cell_gru_bi + 2u * H + k];
  var hidden_n = cell_params[cell_gru_bh + 2u * H + k];
  for (var i = 0u; i < I; i++) {
    let value = (*x)[x_offset + i];
    let at = cell_gru_wi + k * I + i;
    pre_r += cell_params[at] * value;
    pre_z += cell_params[at + H * I] * value;
    pre_n += cell_params[at + 2u * H * I] * value;
  }
  for (var j = 0u; j < H; j++) {
    let value = (*h)[h_offset + j];
    let at = cell_gru_wh + k * H + j;
    pre_r += cell_params[at] * value;
    pre_z += cell_params[at + H * H] * value;
    hidden_n += cell_params[at + 2u * H * H] * value;
  }
  let r = cell_sigmoid(pre_r);
  let z = cell_sigmoid(pre_z);
  return cell_gru_gate_values(r, z, cell_tanh(pre_n + r * hidden_n), hidden_n);
}

fn cell_gru_row_weights(k: u32, j: u32) -> vec3<f32> {
  let H = cell_gru_hidden;
  let at = cell_gru_wh + k * H + j;
  return vec3<f32>(cell_params[at], cell_params[at + H * H], cell_params[at + 2u * H * H]);
}

fn cell_gru_input_weights(k: u32, i: u32) -> vec3<f32> {
  let H = cell_gru_hidden;
  let I = cell_gru_input;
  let at = cell_gru_wi + k * I + i;
  return vec3<f32>(cell_params[at], cell_params[at + H * I], cell_params[at + 2u * H * I]);
}

// (a, c·r(1-r)·ĥ, c·r, c) with a = (h_k - n) z (1 - z), c = (1 - z)(1 - n²): the Jacobian coefficients.
fn cell_gru_coefficients(g: cell_gru_gate_values, h_k: f32) -> vec4<f32> {
  let a = (h_k - g.n) * g.z * (1.0 - g.z);
  let c = (1.0 - g.z) * (1.0 - g.n * g.n);
  return vec4<f32>(a, c * g.r * (1.0 - g.r) * g.hidden_n, c * g.r, c);
}
`;
}

/**
 * The GRU's WGSL twin: gates once per hidden unit; each Jacobian row costs O(H + I).
 *
 * @example
 * ```ts
 * const { code, parameters: packed, key } = gruWgsl(parameters);
 * ```
 */
export function gruWgsl(parameters: GatedParameters): CellWgsl {
  const code = /* wgsl */ `${gruGatesWgsl(parameters, 'INPUT_SIZE')}
fn cell_step(s: array<f32, STATE_SIZE>, u: array<f32, INPUT_SIZE>) -> array<f32, STATE_SIZE> {
  var h = s;
  var x = u;
  var out: array<f32, STATE_SIZE>;
  for (var k = 0u; k < cell_bound(STATE_SIZE); k++) {
    let g = cell_gru_gates(&h, 0u, &x, 0u, k);
    out[k] = (1.0 - g.z) * g.n + g.z * h[k];
  }
  return out;
}

fn cell_step_diagonal(
  s: array<f32, STATE_SIZE>, u: array<f32, INPUT_SIZE>, diagonal: ptr<function, array<f32, STATE_SIZE>>,
) -> array<f32, STATE_SIZE> {
  var h = s;
  var x = u;
  var out: array<f32, STATE_SIZE>;
  for (var k = 0u; k < cell_bound(STATE_SIZE); k++) {
    let g = cell_gru_gates(&h, 0u, &x, 0u, k);
    out[k] = (1.0 - g.z) * g.n + g.z * h[k];
    let coefficients = cell_gru_coefficients(g, h[k]);
    let w = cell_gru_row_weights(k, k);
    (*diagonal)[k] = coefficients.x * w.y + coefficients.y * w.x + coefficients.z * w.z + g.z;
  }
  return out;
}

fn cell_jacobian_row(s: array<f32, STATE_SIZE>, u: array<f32, INPUT_SIZE>, row: u32) -> array<f32, STATE_SIZE> {
  var h = s;
  var x = u;
  let g = cell_gru_gates(&h, 0u, &x, 0u, row);
  let coefficients = cell_gru_coefficients(g, h[row]);
  var result: array<f32, STATE_SIZE>;
  for (var j = 0u; j < cell_bound(STATE_SIZE); j++) {
    let w = cell_gru_row_weights(row, j);
    result[j] = coefficients.x * w.y + coefficients.y * w.x + coefficients.z * w.z;
  }
  result[row] += g.z;
  return result;
}
`;
  return { code, parameters: packGatedParameters(parameters), key: wgslKey('gru', code) };
}
