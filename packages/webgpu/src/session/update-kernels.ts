/**
 * Session kernels of `update` (reset heuristic, step, trust-region test, damping, stopping, history) and
 * the per-sequence reductions that finish `linearize` and `update`.
 *
 * @module
 */

import { webGpuDefaults } from '../defaults.ts';
import { commonWgsl } from '../kernels/wgsl-common.ts';
import { type CellShape, cellPreamble } from './cell-kernels.ts';
import { floorRuleWgsl } from './floor-rule-wgsl.ts';
import {
  partialReductionWgsl,
  sequenceBlockWgsl,
  sequenceStateWgsl,
  sessionParams,
} from './session-layout.ts';

export const resetWgsl = /* wgsl */ `
// The reset heuristic: NaN → 0, clip to ±bound; sets FLAG_RESET in *flags when it changed the value.
fn reset_value(value: f32, flags: ptr<function, u32>) -> f32 {
  if (params.reset == 0u) { return value; }
  if (is_nan(value)) { *flags = *flags | FLAG_RESET; return 0.0; }
  if (value > params.reset_bound) { *flags = *flags | FLAG_RESET; return params.reset_bound; }
  if (value < -params.reset_bound) { *flags = *flags | FLAG_RESET; return -params.reset_bound; }
  return value;
}

// Whether the merit criterion stops this sequence before its write (the iterate already meets it).
fn stops_by_merit(state: SequenceState) -> bool {
  return params.criterion == 1u && !is_nan(state.merit) && state.merit <= params.tolerance;
}
`;

/**
 * WGSL: `steps` steps of block `block` of a sequence, contiguous from element `base` of a [B, T, D] array. The
 * element kernels of `update` walk them element by element, side by side (coalesced), rather than one step's
 * D values per invocation.
 */
function blockStepsWgsl(size: number, block: string): string {
  return /* wgsl */ `  let first_step = ${block} * ${size}u;
  let steps = min(params.length, first_step + ${size}u) - min(params.length, first_step);
  let base = (sequence * params.length + first_step) * STATE_SIZE;`;
}

function elementHeader(): string {
  return `${commonWgsl}
${sequenceStateWgsl}
${resetWgsl}`;
}

const elementPrologue = (size: number) => /* wgsl */ `
${sequenceBlockWgsl}
  let global = params.batch_base + sequence;
  let state = status[global];
  if (state.running == 0u) { return; }
  let t = block * ${size}u + local;`;

/**
 * `update` without a trust region, one pass: reset the candidate, measure the step, write
 * s ← s + α (c − s) (unless the merit criterion already stops the sequence). The candidate is written back only
 * where the reset heuristic changed it (compared bit for bit, so that a NaN it replaced counts). Where D is a
 * multiple of 4 each invocation moves whole vec4s (the block's steps are contiguous, and every array offset is
 * then a multiple of 4 elements). Partials: step, –, max |s| before, max |s| after. Bindings: 1 iterate,
 * 2 candidate, 3 partials, 4 status (read).
 */
export function updateDirectWgsl(stateSize: number): string {
  const size = webGpuDefaults.workgroupSize;
  const vector = stateSize % 4 === 0;
  const element = vector ? 'vec4<f32>' : 'f32';
  const loop = vector
    ? /* wgsl */ `  let quads = steps * STATE_SIZE / 4u;
  let iterate_base = (params.offset_iterate + base) / 4u;
  let candidate_base = (params.offset_candidate + base) / 4u;
  for (var q = local; q < quads; q += ${size}u) {
    let old = iterate[iterate_base + q];
    let raw = candidate[candidate_base + q];
    var value = raw;
    var next = old;
    for (var k = 0u; k < 4u; k++) {
      let updated = update_element(old[k], raw[k], write, &partial);
      value[k] = updated.x;
      next[k] = updated.y;
    }
    if (any(bitcast<vec4<u32>>(value) != bitcast<vec4<u32>>(raw))) { candidate[candidate_base + q] = value; }
    if (write) { iterate[iterate_base + q] = next; }
  }`
    : /* wgsl */ `  for (var e = local; e < steps * STATE_SIZE; e += ${size}u) {
    let old = iterate[params.offset_iterate + base + e];
    let raw = candidate[params.offset_candidate + base + e];
    let updated = update_element(old, raw, write, &partial);
    if (bitcast<u32>(updated.x) != bitcast<u32>(raw)) { candidate[params.offset_candidate + base + e] = updated.x; }
    if (write) { iterate[params.offset_iterate + base + e] = updated.y; }
  }`;
  return /* wgsl */ `${sessionParams.wgsl}
const STATE_SIZE: u32 = ${stateSize}u;
${elementHeader()}
@group(0) @binding(1) var<storage, read_write> iterate: array<${element}>;
@group(0) @binding(2) var<storage, read_write> candidate: array<${element}>;
@group(0) @binding(3) var<storage, read_write> partials: array<Partial>;
@group(0) @binding(4) var<storage, read> status: array<SequenceState>;
${partialReductionWgsl(size, true)}

// One element: the reset candidate value and the next iterate (the old one unless written), with the step and
// magnitudes folded into the partial.
fn update_element(old: f32, raw: f32, write: bool, partial: ptr<function, Partial>) -> vec2<f32> {
  var flags = (*partial).flags;
  let value = reset_value(raw, &flags);
  (*partial).flags = flags;
  let difference = abs(value - old);
  if (is_nan(difference)) { (*partial).flags = (*partial).flags | FLAG_NOT_FINITE; }
  else { (*partial).first = max((*partial).first, difference); }
  (*partial).third = max((*partial).third, abs(old));
  let next = select(old, select(old + params.damping * (value - old), value, params.damping == 1.0), write);
  (*partial).fourth = max((*partial).fourth, abs(next));
  return vec2<f32>(value, next);
}

@compute @workgroup_size(${size})
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
${elementPrologue(size)}
  let write = !stops_by_merit(state);
  var partial = Partial(0.0, 0.0, 0.0, 0.0, 0u);
${blockStepsWgsl(size, 'block')}
${loop}
  let total = reduce_partials(local, partial);
  if (local == 0u) { partials[global * params.blocks + block] = total; }
}
`;
}

/**
 * `update` with a trust region, pass 1: the reset candidate's residual Σ ‖c_t − f(c_{t−1}, u_t)‖² and the step,
 * without writing. Partials: step, Σ r², max |s| before, max |s| if accepted.
 * Bindings: 1 cell_params, 2 inputs, 3 initial state, 4 iterate (read), 5 candidate (read), 6 partials,
 * 7 status (read).
 */
export function updateMeasureWgsl(cell: CellShape): string {
  const size = webGpuDefaults.workgroupSize;
  return /* wgsl */ `${cellPreamble(cell)}
${resetWgsl}
@group(0) @binding(2) var<storage, read> inputs: array<f32>;
@group(0) @binding(3) var<storage, read> initial_state: array<f32>;
@group(0) @binding(4) var<storage, read> iterate: array<f32>;
@group(0) @binding(5) var<storage, read> candidate: array<f32>;
@group(0) @binding(6) var<storage, read_write> partials: array<Partial>;
@group(0) @binding(7) var<storage, read> status: array<SequenceState>;
${partialReductionWgsl(size, true)}

@compute @workgroup_size(${size})
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
${elementPrologue(size)}
  var partial = Partial(0.0, 0.0, 0.0, 0.0, 0u);
  if (t < params.length) {
    let at = (sequence * params.length + t) * STATE_SIZE;
    var previous: array<f32, STATE_SIZE>;
    var ignored = 0u;
    for (var d = 0u; d < elk_bound(STATE_SIZE); d++) {
      if (t == 0u) {
        previous[d] = initial_state[global * STATE_SIZE + d];
      } else {
        previous[d] = reset_value(candidate[params.offset_candidate + at - STATE_SIZE + d], &ignored);
      }
    }
    var u: array<f32, INPUT_SIZE>;
    for (var i = 0u; i < elk_bound(TRUE_INPUT_SIZE); i++) {
      u[i] = inputs[params.offset_inputs + (sequence * params.length + t) * TRUE_INPUT_SIZE + i];
    }
    let f = cell_step(previous, u);
    for (var d = 0u; d < elk_bound(STATE_SIZE); d++) {
      let old = iterate[params.offset_iterate + at + d];
      let value = reset_value(candidate[params.offset_candidate + at + d], &partial.flags);
      let difference = abs(value - old);
      if (is_nan(difference)) { partial.flags = partial.flags | FLAG_NOT_FINITE; }
      else { partial.first = max(partial.first, difference); }
      let r = value - f[d];
      partial.second += r * r;
      partial.third = max(partial.third, abs(old));
      let next = select(old + params.damping * (value - old), value, params.damping == 1.0);
      partial.fourth = max(partial.fourth, abs(next));
    }
  }
  let total = reduce_partials(local, partial);
  if (local == 0u) { partials[global * params.blocks + block] = total; }
}
`;
}

/**
 * `update` with a trust region, pass 3 (after the decision): `apply_step` 1 resets the candidate (as the CPU
 * does for every sequence the update processed), 2 also writes s ← s + α (c − s) (accepted).
 * Bindings: 1 iterate, 2 candidate, 3 status (read).
 */
export function updateApplyWgsl(stateSize: number): string {
  const size = webGpuDefaults.workgroupSize;
  return /* wgsl */ `${sessionParams.wgsl}
const STATE_SIZE: u32 = ${stateSize}u;
${elementHeader()}
@group(0) @binding(1) var<storage, read_write> iterate: array<f32>;
@group(0) @binding(2) var<storage, read_write> candidate: array<f32>;
@group(0) @binding(3) var<storage, read> status: array<SequenceState>;

@compute @workgroup_size(${size})
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let group = linear_workgroup(workgroup, workgroups);
  if (group >= params.count) { return; }
  let sequence = group / params.blocks;
  let global = params.batch_base + sequence;
  let state = status[global];
  if (state.apply_step == 0u) { return; }
${blockStepsWgsl(size, '(group % params.blocks)')}
  var ignored = 0u;
  for (var e = local; e < steps * STATE_SIZE; e += ${size}u) {
    let old = iterate[params.offset_iterate + base + e];
    let value = reset_value(candidate[params.offset_candidate + base + e], &ignored);
    candidate[params.offset_candidate + base + e] = value;
    if (state.apply_step == 2u) {
      iterate[params.offset_iterate + base + e] = select(old + params.damping * (value - old), value, params.damping == 1.0);
    }
  }
}
`;
}

function finishHeader(size: number): string {
  return `${sessionParams.wgsl}
${commonWgsl}
${sequenceStateWgsl}
@group(0) @binding(1) var<storage, read> partials: array<Partial>;
@group(0) @binding(2) var<storage, read_write> status: array<SequenceState>;
${partialReductionWgsl(size, true)}

// A NaN made at run time (WGSL rejects NaN constants).
fn quiet_nan() -> f32 {
  return bitcast<f32>(0x7fc00000u + min(params.count, 0u));
}

// Folds the blocks' partials of one sequence (one workgroup per sequence).
fn fold_blocks(global: u32, local: u32) -> Partial {
  var value = Partial(0.0, 0.0, 0.0, 0.0, 0u);
  for (var block = local; block < params.blocks; block += ${size}u) {
    value = combine_partials(value, partials[global * params.blocks + block]);
  }
  return reduce_partials(local, value);
}
`;
}

/** After `linearize`: each sequence's merit ‖r‖∞ (NaN if any r was NaN) and ‖r‖₂². Bindings: 1 partials, 2 status. */
export function finishLinearizeWgsl(): string {
  const size = webGpuDefaults.reductionWorkgroupSize;
  return /* wgsl */ `${finishHeader(size)}
@compute @workgroup_size(${size})
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let global = params.batch_base + linear_workgroup(workgroup, workgroups);
  if (global >= params.total_batch) { return; }
  let total = fold_blocks(global, local);
  if (local == 0u && status[global].running != 0u) {
    let nan = (total.flags & FLAG_NAN_FIRST) != 0u;
    status[global].merit = select(total.first, quiet_nan(), nan);
    status[global].merit_squared = select(total.second, quiet_nan(), nan);
  }
}
`;
}

/**
 * WGSL of `finish-linearize`'s work inside `finish-update` (its variant `withMerit`): binding 4 holds
 * `linearize`'s partials, `merit_blocks` per sequence, and the sequence's merit is written before the decision.
 */
function meritFoldWgsl(size: number): string {
  return /* wgsl */ `
@group(0) @binding(4) var<storage, read> merit_partials: array<Partial>;

fn finish_merit(global: u32, local: u32) {
  var value = Partial(0.0, 0.0, 0.0, 0.0, 0u);
  for (var block = local; block < params.merit_blocks; block += ${size}u) {
    value = combine_partials(value, merit_partials[global * params.merit_blocks + block]);
  }
  let total = reduce_partials(local, value);
  // Every invocation has read the reduction before the next one writes it.
  workgroupBarrier();
  if (local == 0u && status[global].running != 0u) {
    let nan = (total.flags & FLAG_NAN_FIRST) != 0u;
    status[global].merit = select(total.first, quiet_nan(), nan);
    status[global].merit_squared = select(total.second, quiet_nan(), nan);
  }
}`;
}

/**
 * After `update`'s measuring pass: the decision per sequence — merit-criterion stop, trust-region test and λ
 * schedule, iteration count, history entry, tolerance stop, then the floor rule (when `floor_window` ≠ 0) —
 * and the `write` flag for the apply pass. Bindings: 1 partials, 2 status, 3 history; `withMerit` first does
 * `finish-linearize`'s work from binding 4 (one dispatch fewer per iteration where nothing reads the merit
 * between `linearize` and `update`).
 */
export function finishUpdateWgsl(withMerit = false): string {
  const size = webGpuDefaults.reductionWorkgroupSize;
  return /* wgsl */ `${finishHeader(size)}
@group(0) @binding(3) var<storage, read_write> history: array<HistoryEntry>;
${withMerit ? meritFoldWgsl(size) : ''}

fn record(global: u32, step: f32, merit: f32, magnitude: f32, flags: u32) {
  let recorded = status[global].recorded;
  history[global * params.history_capacity + recorded % params.history_capacity] =
    HistoryEntry(step, merit, magnitude, flags);
  status[global].recorded = recorded + 1u;
}

// Entry j (oldest first) of the n = min(recorded, capacity) entries the ring of sequence global holds.
fn floor_entry(global: u32, j: u32) -> HistoryEntry {
  let recorded = status[global].recorded;
  let n = min(recorded, params.history_capacity);
  return history[global * params.history_capacity + (recorded - n + j) % params.history_capacity];
}
${floorRuleWgsl}

@compute @workgroup_size(${size})
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let global = params.batch_base + linear_workgroup(workgroup, workgroups);
  if (global >= params.total_batch) { return; }
${withMerit ? '  finish_merit(global, local);' : ''}
  let total = fold_blocks(global, local);
  if (local != 0u) { return; }
  var state = status[global];
  if (state.running == 0u) {
    status[global].apply_step = 0u;
    return;
  }
  var flags = total.flags & (FLAG_RESET | FLAG_NOT_FINITE);
  let finite = (flags & FLAG_NOT_FINITE) == 0u;
  let step = select(quiet_nan(), total.first, finite);
  let merit = state.merit;
  if (params.criterion == 1u && !is_nan(merit) && merit <= params.tolerance) {
    state.running = 0u;
    state.tolerance_met = 1u;
    state.apply_step = 1u;
    status[global] = state;
    record(global, step, merit, total.third, flags);
    return;
  }
  var accepted = true;
  if (params.trust != 0u) {
    // A zero step changes nothing and is accepted (at a fixed point the candidate's residual and the merit,
    // summed by different kernels, can differ by rounding alone).
    let unchanged = (total.flags & FLAG_NOT_FINITE) == 0u && total.first == 0.0;
    accepted = unchanged || (!is_nan(total.second) && total.second <= state.merit_squared);
    if (accepted) {
      state.lambda = max(state.lambda * params.decrease, params.lambda_minimum);
    } else {
      state.lambda = min(state.lambda * params.increase, params.lambda_maximum);
      flags = flags | FLAG_REJECTED;
    }
  }
  state.apply_step = select(1u, 2u, accepted);
  state.iterations = state.iterations + 1u;
  // Under a trust region the step rule reads (1 + λ)·step ≤ tolerance (λ after its update): a short step under a
  // large λ is no sign of convergence.
  let scale = select(1.0, 1.0 + state.lambda, params.trust != 0u);
  if (accepted && params.criterion == 0u && finite && scale * step <= params.tolerance) {
    state.running = 0u;
    state.tolerance_met = 1u;
  }
  status[global] = state;
  record(global, step, merit, select(total.third, total.fourth, accepted), flags);
  if (state.running != 0u && params.floor_window != 0u &&
      floor_stops(global, min(status[global].recorded, params.history_capacity))) {
    status[global].running = 0u;
    status[global].floor_met = 1u;
  }
}
`;
}
