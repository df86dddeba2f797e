/**
 * WGSL of the chunked diagonal affine scan x_t = a_t ⊙ x_{t−1} + b_t over [B, T, D] (forward, or reverse:
 * x_t = a_t ⊙ x_{t+1} + b_t). Reduce-then-scan, no inter-workgroup waiting:
 *
 * 1. reduce: invocation (b, c, d) composes its chunk's maps into one (A, B) (sequentially, coalesced over d);
 * 2. carries: {@link chunkCarryScanWgsl} scans the chunk aggregates per channel from (0, x_0);
 * 3. apply: invocation (b, c, d) runs x ← a x + b over its chunk from the carry and writes x.
 *
 * Elements and their combination come from `@elk/scan`'s {@link affineDiagonalOperator} WGSL twin.
 *
 * @module
 */

import { affineDiagonalOperator } from '@elk/scan';
import { webGpuDefaults } from '../defaults.ts';
import { uniformLayout } from '../uniform-layout.ts';
import { chunkCarryScanWgsl } from './chunk-carry-scan.ts';
import { commonWgsl, linearInvocationWgsl } from './wgsl-common.ts';

/**
 * Uniform fields every diagonal scan takes from its window: direction, the window offsets (f32 words) of a, b
 * and x, the window's first sequence and the running check's stride.
 */
export const scanPlacementFields = [
  ['reverse', 'u32'],
  ['offset_a', 'u32'],
  ['offset_b', 'u32'],
  ['offset_x', 'u32'],
  ['batch_base', 'u32'],
  ['running_stride', 'u32'],
] as const;

/** Fields of the reduce and apply passes' uniform block (kernels that extend it start with them). */
export const diagonalScanFields = [
  ['batch', 'u32'],
  ['length', 'u32'],
  ['dim', 'u32'],
  ['chunk', 'u32'],
  ['chunks', 'u32'],
  ['count', 'u32'],
  ...scanPlacementFields,
] as const;

/** Uniform block of the reduce and apply passes. */
export const diagonalScanParams = uniformLayout(diagonalScanFields);

const E = affineDiagonalOperator.wgsl.elementType;
const combine = affineDiagonalOperator.wgsl.combine;
const identity = affineDiagonalOperator.wgsl.identity;

/**
 * WGSL shared by the passes that walk (sequence, chunk, channel): the operator, `chunk_channel(index)` and
 * `element_index(at, tau)`, under the uniform block `paramsWgsl` (which must hold diagonalScanParams' fields).
 */
export function diagonalScanHeaderWgsl(
  workgroupSize: number,
  paramsWgsl: string = diagonalScanParams.wgsl,
): string {
  return `${paramsWgsl}
${combine.code}
${identity.code}
${commonWgsl}
${linearInvocationWgsl(workgroupSize)}
struct ChunkChannel { sequence: u32, chunk: u32, channel: u32, valid: bool }

fn chunk_channel(index: u32) -> ChunkChannel {
  let channel = index % params.dim;
  let rest = index / params.dim;
  return ChunkChannel(rest / params.chunks, rest % params.chunks, channel, index < params.count);
}

fn element_index(at: ChunkChannel, tau: u32) -> u32 {
  return (at.sequence * params.length + time_index(tau, params.length, params.reverse)) * params.dim + at.channel;
}
`;
}

/**
 * Pass 1: bindings 1 a (read), 2 b (read), 3 aggregates `array<AffineDiagonal>` [batch, D, C] (write).
 */
/**
 * WGSL of the running check of a session's scans: binding `binding` holds the sessions' per-sequence status
 * words, sequence (batch_base + s)'s first word nonzero while it runs (`running_stride` words per sequence).
 */
function runningDeclaration(skipStopped: boolean, binding: number): string {
  if (!skipStopped) return '';
  return /* wgsl */ `@group(0) @binding(${binding}) var<storage, read> running: array<u32>;
fn sequence_running(sequence: u32) -> bool {
  return running[(params.batch_base + sequence) * params.running_stride] != 0u;
}`;
}

export function diagonalScanReduceWgsl(skipStopped = false): string {
  const size = webGpuDefaults.workgroupSize;
  return /* wgsl */ `${diagonalScanHeaderWgsl(size)}
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> aggregates: array<${E}>;
${runningDeclaration(skipStopped, 4)}

@compute @workgroup_size(${size})
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let at = chunk_channel(linear_invocation(workgroup, workgroups, local));
  if (!at.valid${skipStopped ? ' || !sequence_running(at.sequence)' : ''}) { return; }
  let first = at.chunk * params.chunk;
  let last = min(first + params.chunk, params.length);
  var total = ${identity.name}();
  var tau = first;
  // Four steps' loads are issued before their arithmetic (memory-level parallelism within one invocation).
  for (; tau + 4u <= last; tau += 4u) {
    var slope: array<f32, 4>;
    var intercept: array<f32, 4>;
    for (var k = 0u; k < 4u; k++) {
      let i = element_index(at, tau + k);
      slope[k] = a[params.offset_a + i];
      intercept[k] = b[params.offset_b + i];
    }
    for (var k = 0u; k < 4u; k++) { total = ${combine.name}(total, ${E}(slope[k], intercept[k])); }
  }
  for (; tau < last; tau++) {
    let i = element_index(at, tau);
    total = ${combine.name}(total, ${E}(a[params.offset_a + i], b[params.offset_b + i]));
  }
  aggregates[(at.sequence * params.dim + at.channel) * params.chunks + at.chunk] = total;
}
`;
}

/**
 * Pass 2: the chunk-carry scan with initial element (0, x_0) — binding 3 `x0` [B, D] (read), used when
 * `has_initial` is 1 (else x_0 = 0).
 */
export function diagonalScanCarryWgsl(): string {
  return chunkCarryScanWgsl(
    affineDiagonalOperator,
    /* wgsl */ `@group(0) @binding(3) var<storage, read> x0: array<f32>;
fn initial_element(channel: u32) -> ${E} {
  if (params.has_initial == 0u) { return ${E}(0.0, 0.0); }
  let sequence = channel / params.channels;
  return ${E}(0.0, x0[(params.batch_base + sequence) * params.channels + channel % params.channels]);
}`,
  );
}

/**
 * Pass 3: bindings 1 a (read), 2 b (read), 3 prefixes `array<AffineDiagonal>` [batch, D, C] (read), 4 x (write).
 */
export function diagonalScanApplyWgsl(skipStopped = false): string {
  const size = webGpuDefaults.workgroupSize;
  return /* wgsl */ `${diagonalScanHeaderWgsl(size)}
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> prefixes: array<${E}>;
@group(0) @binding(4) var<storage, read_write> x: array<f32>;
${runningDeclaration(skipStopped, 5)}

@compute @workgroup_size(${size})
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let at = chunk_channel(linear_invocation(workgroup, workgroups, local));
  if (!at.valid${skipStopped ? ' || !sequence_running(at.sequence)' : ''}) { return; }
  let first = at.chunk * params.chunk;
  let last = min(first + params.chunk, params.length);
  var state = prefixes[(at.sequence * params.dim + at.channel) * params.chunks + at.chunk].b;
  var tau = first;
  for (; tau + 4u <= last; tau += 4u) {
    var slope: array<f32, 4>;
    var intercept: array<f32, 4>;
    for (var k = 0u; k < 4u; k++) {
      let i = element_index(at, tau + k);
      slope[k] = a[params.offset_a + i];
      intercept[k] = b[params.offset_b + i];
    }
    for (var k = 0u; k < 4u; k++) {
      state = slope[k] * state + intercept[k];
      x[params.offset_x + element_index(at, tau + k)] = state;
    }
  }
  for (; tau < last; tau++) {
    let i = element_index(at, tau);
    state = a[params.offset_a + i] * state + b[params.offset_b + i];
    x[params.offset_x + i] = state;
  }
}
`;
}
