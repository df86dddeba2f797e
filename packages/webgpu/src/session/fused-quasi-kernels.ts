/**
 * The fused quasi-DEER iteration: `linearize('diagonal')`, `solveAffine('diagonal')` and a plain `update`
 * (step criterion, full step, no trust region) in two passes over T instead of seven, recomputing A_t and b_t
 * rather than storing them:
 *
 * 1. reduce: invocation (sequence, chunk) evaluates the cell and its diagonal Jacobian along its chunk
 *    (cell_step_diagonal of the cell's WGSL twin), folds the scan elements (a_t, f_t − a_t s_{t−1}) of every
 *    channel into the chunk's aggregate, and the residual s_t − f_t into the merit partials;
 * 2. carries: the diagonal scan's chunk-carry pass;
 * 3. apply: invocation (sequence, chunk) re-evaluates the cell, runs x ← a x + b from the chunk's carry, applies
 *    the reset heuristic and writes s^(i+1) into the other state buffer (the two swap roles), with the step and
 *    magnitude partials. Stopped sequences copy s^(i) across.
 *
 * Traffic per iteration: read s and u twice, write s once (against ~26 values per element unfused).
 *
 * @module
 */

import { affineDiagonalOperator } from '@elk/scan';
import { webGpuDefaults } from '../defaults.ts';
import { linearInvocationWgsl } from '../kernels/wgsl-common.ts';
import { type CellShape, cellPreamble } from './cell-kernels.ts';

const E = affineDiagonalOperator.wgsl.elementType;

function header(cell: CellShape): string {
  return `${cellPreamble(cell)}
${affineDiagonalOperator.wgsl.combine.code}
${linearInvocationWgsl(webGpuDefaults.workgroupSize)}
@group(0) @binding(2) var<storage, read> inputs: array<f32>;
@group(0) @binding(3) var<storage, read> initial_state: array<f32>;
@group(0) @binding(4) var<storage, read> iterate: array<f32>;
@group(0) @binding(5) var<storage, read_write> partials: array<Partial>;
@group(0) @binding(6) var<storage, read> status: array<SequenceState>;

fn load_state(global: u32, sequence: u32, t: u32) -> array<f32, STATE_SIZE> {
  var s: array<f32, STATE_SIZE>;
  if (t == 0xffffffffu) {
    for (var d = 0u; d < elk_bound(STATE_SIZE); d++) { s[d] = initial_state[global * STATE_SIZE + d]; }
  } else {
    let at = params.offset_iterate + (sequence * params.length + t) * STATE_SIZE;
    for (var d = 0u; d < elk_bound(STATE_SIZE); d++) { s[d] = iterate[at + d]; }
  }
  return s;
}

fn load_input(sequence: u32, t: u32) -> array<f32, INPUT_SIZE> {
  var u: array<f32, INPUT_SIZE>;
  let base = params.offset_inputs + (sequence * params.length + t) * TRUE_INPUT_SIZE;
  for (var i = 0u; i < elk_bound(TRUE_INPUT_SIZE); i++) { u[i] = inputs[base + i]; }
  return u;
}
`;
}

const prologue = /* wgsl */ `
  let index = linear_invocation(workgroup, workgroups, local);
  if (index >= params.count) { return; }
  let chunk = index % params.chunks;
  let sequence = index / params.chunks;
  let global = params.batch_base + sequence;
  let first = chunk * params.chunk;
  let last = min(first + params.chunk, params.length);`;

/**
 * Pass 1. Bindings: 1 cell_params, 2 inputs, 3 initial state, 4 iterate, 5 partials [B, C] (max |r|, Σ r²),
 * 6 status (read), 7 aggregates `array<AffineDiagonal>` [batch, D, C] (write).
 */
export function fusedQuasiReduceWgsl(cell: CellShape): string {
  return /* wgsl */ `${header(cell)}
@group(0) @binding(7) var<storage, read_write> aggregates: array<${E}>;

@compute @workgroup_size(${webGpuDefaults.workgroupSize})
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
${prologue}
  if (status[global].running == 0u) { return; }
  var previous = load_state(global, sequence, first - 1u);
  var slope: array<f32, STATE_SIZE>;
  var intercept: array<f32, STATE_SIZE>;
  for (var d = 0u; d < elk_bound(STATE_SIZE); d++) { slope[d] = 1.0; }
  var partial = Partial(0.0, 0.0, 0.0, 0.0, 0u);
  for (var t = first; t < last; t++) {
    var diagonal: array<f32, STATE_SIZE>;
    let f = cell_step_diagonal(previous, load_input(sequence, t), &diagonal);
    let current = load_state(global, sequence, t);
    for (var d = 0u; d < elk_bound(STATE_SIZE); d++) {
      let a = select(diagonal[d], 0.0, t == 0u);
      intercept[d] = a * intercept[d] + (f[d] - a * previous[d]);
      slope[d] = a * slope[d];
      add_residual(&partial, current[d] - f[d]);
    }
    previous = current;
  }
  for (var d = 0u; d < elk_bound(STATE_SIZE); d++) {
    aggregates[(sequence * STATE_SIZE + d) * params.chunks + chunk] = ${E}(slope[d], intercept[d]);
  }
  partials[global * params.chunks + chunk] = partial;
}
`;
}

/**
 * Pass 3. Bindings: 1 cell_params, 2 inputs, 3 initial state, 4 iterate (read), 5 partials [B, C] (step, –,
 * max |s^(i)|, max |s^(i+1)|), 6 status (read), 7 prefixes (read), 8 next iterate (write).
 */
export function fusedQuasiApplyWgsl(cell: CellShape): string {
  return /* wgsl */ `${header(cell)}
@group(0) @binding(7) var<storage, read> prefixes: array<${E}>;
@group(0) @binding(8) var<storage, read_write> next_iterate: array<f32>;

fn reset_value(value: f32, flags: ptr<function, u32>) -> f32 {
  if (params.reset == 0u) { return value; }
  if (is_nan(value)) { *flags = *flags | FLAG_RESET; return 0.0; }
  if (value > params.reset_bound) { *flags = *flags | FLAG_RESET; return params.reset_bound; }
  if (value < -params.reset_bound) { *flags = *flags | FLAG_RESET; return -params.reset_bound; }
  return value;
}

@compute @workgroup_size(${webGpuDefaults.workgroupSize})
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
${prologue}
  if (status[global].running == 0u) {
    for (var t = first; t < last; t++) {
      let at = params.offset_iterate + (sequence * params.length + t) * STATE_SIZE;
      for (var d = 0u; d < elk_bound(STATE_SIZE); d++) { next_iterate[at + d] = iterate[at + d]; }
    }
    return;
  }
  var state: array<f32, STATE_SIZE>;
  for (var d = 0u; d < elk_bound(STATE_SIZE); d++) {
    state[d] = prefixes[(sequence * STATE_SIZE + d) * params.chunks + chunk].b;
  }
  var previous = load_state(global, sequence, first - 1u);
  var partial = Partial(0.0, 0.0, 0.0, 0.0, 0u);
  for (var t = first; t < last; t++) {
    var diagonal: array<f32, STATE_SIZE>;
    let f = cell_step_diagonal(previous, load_input(sequence, t), &diagonal);
    let current = load_state(global, sequence, t);
    let at = params.offset_iterate + (sequence * params.length + t) * STATE_SIZE;
    for (var d = 0u; d < elk_bound(STATE_SIZE); d++) {
      let a = select(diagonal[d], 0.0, t == 0u);
      state[d] = a * state[d] + (f[d] - a * previous[d]);
      let value = reset_value(state[d], &partial.flags);
      let difference = abs(value - current[d]);
      if (is_nan(difference)) { partial.flags = partial.flags | FLAG_NOT_FINITE; }
      else { partial.first = max(partial.first, difference); }
      partial.third = max(partial.third, abs(current[d]));
      partial.fourth = max(partial.fourth, abs(value));
      next_iterate[at + d] = value;
    }
    previous = current;
  }
  partials[global * params.chunks + chunk] = partial;
}
`;
}
