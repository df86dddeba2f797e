/**
 * DEER's dense affine scan c_t = A_t c_{t−1} + b_t (or reverse: c_t = A_t c_{t+1} + b_t) for D ≤ 64,
 * chunked like the diagonal scan, with no workgroup memory in the passes over T:
 *
 * 1. reduce: invocation (sequence, chunk, column j ≤ D) carries column j of the chunk's augmented map
 *    [M | v] (M = A_L ⋯ A_1, v the response to b from 0) through the chunk: col ← A_t col (+ b_t for j = D);
 * 2. carries: one workgroup per sequence runs x_{c+1} = M_c x_c + v_c over the C chunks (row i per invocation);
 * 3. apply: invocation (sequence, chunk) runs c ← A_t c + b_t over its chunk from the carry.
 *
 * Aggregates are [batch, C, D + 1, D] (column-major per chunk), carries [batch, C, D].
 *
 * @module
 */

import { webGpuDefaults } from '../defaults.ts';
import { commonWgsl, linearInvocationWgsl } from '../kernels/wgsl-common.ts';
import { sessionParams } from './session-layout.ts';

function header(stateSize: number): string {
  return `${sessionParams.wgsl}
const STATE_SIZE: u32 = ${stateSize}u;
${commonWgsl}
${linearInvocationWgsl(webGpuDefaults.workgroupSize)}
// reverse flag of the scan, carried in params.smoother (1 = reverse)
fn step_index(tau: u32) -> u32 {
  return time_index(tau, params.length, params.smoother);
}
`;
}

/** An opaque loop bound (so that nested size-D loops are not fully unrolled); `array` is a bound array. */
function boundWgsl(array: string): string {
  return `
fn elk_bound(n: u32) -> u32 {
  return select(n, 0u, arrayLength(&${array}) == 0xffffffffu);
}
`;
}

/** Pass 1: bindings 1 matrices [B, T, D, D], 2 offsets [B, T, D], 3 aggregates (write). */
export function denseScanReduceWgsl(stateSize: number): string {
  return /* wgsl */ `${header(stateSize)}
@group(0) @binding(1) var<storage, read> matrices: array<f32>;
@group(0) @binding(2) var<storage, read> offsets: array<f32>;
@group(0) @binding(3) var<storage, read_write> aggregates: array<f32>;
${boundWgsl('matrices')}
@compute @workgroup_size(${webGpuDefaults.workgroupSize})
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let index = linear_invocation(workgroup, workgroups, local);
  if (index >= params.count) { return; }
  let column = index % (STATE_SIZE + 1u);
  let rest = index / (STATE_SIZE + 1u);
  let chunk = rest % params.chunks;
  let sequence = rest / params.chunks;
  var value: array<f32, STATE_SIZE>;
  if (column < STATE_SIZE) { value[column] = 1.0; }
  let first = chunk * params.chunk;
  let last = min(first + params.chunk, params.length);
  for (var tau = first; tau < last; tau++) {
    let t = step_index(tau);
    let step = sequence * params.length + t;
    let matrix = params.offset_jacobian + step * STATE_SIZE * STATE_SIZE;
    var next: array<f32, STATE_SIZE>;
    for (var i = 0u; i < elk_bound(STATE_SIZE); i++) {
      var sum = select(0.0, offsets[params.offset_offset + step * STATE_SIZE + i], column == STATE_SIZE);
      for (var j = 0u; j < elk_bound(STATE_SIZE); j++) { sum += matrices[matrix + i * STATE_SIZE + j] * value[j]; }
      next[i] = sum;
    }
    value = next;
  }
  let out = ((sequence * params.chunks + chunk) * (STATE_SIZE + 1u) + column) * STATE_SIZE;
  for (var i = 0u; i < elk_bound(STATE_SIZE); i++) { aggregates[out + i] = value[i]; }
}
`;
}

/** Pass 2: one workgroup of 64 per sequence. Bindings 1 aggregates (read), 2 carries (write). */
export function denseScanCarryWgsl(stateSize: number): string {
  return /* wgsl */ `${header(stateSize)}
@group(0) @binding(1) var<storage, read> aggregates: array<f32>;
@group(0) @binding(2) var<storage, read_write> carries: array<f32>;
${boundWgsl('aggregates')}var<workgroup> carry_state: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let sequence = linear_workgroup(workgroup, workgroups);
  if (sequence >= params.batch) { return; }
  carry_state[local] = 0.0;
  workgroupBarrier();
  for (var chunk = 0u; chunk < params.chunks; chunk++) {
    let base = (sequence * params.chunks + chunk) * (STATE_SIZE + 1u) * STATE_SIZE;
    var next = 0.0;
    if (local < STATE_SIZE) {
      carries[(sequence * params.chunks + chunk) * STATE_SIZE + local] = carry_state[local];
      next = aggregates[base + STATE_SIZE * STATE_SIZE + local];
      for (var j = 0u; j < elk_bound(STATE_SIZE); j++) { next += aggregates[base + j * STATE_SIZE + local] * carry_state[j]; }
    }
    workgroupBarrier();
    carry_state[local] = next;
    workgroupBarrier();
  }
}
`;
}

/** Pass 3: bindings 1 matrices, 2 offsets, 3 carries (read), 4 output [B, T, D] (write). */
export function denseScanApplyWgsl(stateSize: number): string {
  return /* wgsl */ `${header(stateSize)}
@group(0) @binding(1) var<storage, read> matrices: array<f32>;
@group(0) @binding(2) var<storage, read> offsets: array<f32>;
@group(0) @binding(3) var<storage, read> carries: array<f32>;
@group(0) @binding(4) var<storage, read_write> output: array<f32>;
${boundWgsl('matrices')}
@compute @workgroup_size(${webGpuDefaults.workgroupSize})
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let index = linear_invocation(workgroup, workgroups, local);
  if (index >= params.count) { return; }
  let chunk = index % params.chunks;
  let sequence = index / params.chunks;
  var value: array<f32, STATE_SIZE>;
  for (var i = 0u; i < elk_bound(STATE_SIZE); i++) {
    value[i] = carries[(sequence * params.chunks + chunk) * STATE_SIZE + i];
  }
  let first = chunk * params.chunk;
  let last = min(first + params.chunk, params.length);
  for (var tau = first; tau < last; tau++) {
    let t = step_index(tau);
    let step = sequence * params.length + t;
    let matrix = params.offset_jacobian + step * STATE_SIZE * STATE_SIZE;
    var next: array<f32, STATE_SIZE>;
    for (var i = 0u; i < elk_bound(STATE_SIZE); i++) {
      var sum = offsets[params.offset_offset + step * STATE_SIZE + i];
      for (var j = 0u; j < elk_bound(STATE_SIZE); j++) { sum += matrices[matrix + i * STATE_SIZE + j] * value[j]; }
      next[i] = sum;
    }
    value = next;
    for (var i = 0u; i < elk_bound(STATE_SIZE); i++) { output[params.offset_candidate + step * STATE_SIZE + i] = value[i]; }
  }
}
`;
}
