/**
 * The second level of every chunked scan: per channel, one workgroup scans the C chunk aggregates
 * (each invocation folds a run of them, then a Hillis–Steele scan over the workgroup) and writes each chunk's
 * exclusive prefix, starting from the channel's initial element. Generic over the operator's WGSL twin.
 *
 * @module
 */

import type { ScanOperator } from '@elk/scan';
import { webGpuDefaults } from '../defaults.ts';
import { uniformLayout } from '../uniform-layout.ts';
import { commonWgsl } from './wgsl-common.ts';

/** Uniform block of the chunk-carry scan: `count` channels of `chunks` aggregates each. */
export const chunkCarryParams = uniformLayout([
  ['count', 'u32'],
  ['chunks', 'u32'],
  ['batch_base', 'u32'],
  ['channels', 'u32'],
  ['has_initial', 'u32'],
] as const);

/**
 * WGSL of the chunk-carry scan. Bindings: 1 aggregates `array<E>` [count, chunks] (read), 2 prefixes
 * `array<E>` (write), 3 and on: `initialBindings`, whose code defines
 * `fn initial_element(channel: u32) -> E` (channel = local sequence × channels + channel index).
 * `workgroupSize` (a power of two) bounds the workgroup memory: size × the element's bytes.
 */
export function chunkCarryScanWgsl(
  operator: Pick<ScanOperator<unknown>, 'wgsl'>,
  initialDeclarations: string,
  workgroupSize: number = webGpuDefaults.reductionWorkgroupSize,
): string {
  const { elementType: E, combine, identity } = operator.wgsl;
  const size = workgroupSize;
  return /* wgsl */ `${chunkCarryParams.wgsl}
${combine.code}
${identity.code}
${commonWgsl}
@group(0) @binding(1) var<storage, read> aggregates: array<${E}>;
@group(0) @binding(2) var<storage, read_write> prefixes: array<${E}>;
${initialDeclarations}

const CARRY_WORKGROUP: u32 = ${size}u;
var<workgroup> carry_shared: array<${E}, CARRY_WORKGROUP>;

@compute @workgroup_size(CARRY_WORKGROUP)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let channel = linear_workgroup(workgroup, workgroups);
  if (channel >= params.count) { return; }
  let chunks = params.chunks;
  let per = (chunks + CARRY_WORKGROUP - 1u) / CARRY_WORKGROUP;
  let first = min(local * per, chunks);
  let last = min(first + per, chunks);
  let base = channel * chunks;
  var total = ${identity.name}();
  for (var c = first; c < last; c++) {
    total = ${combine.name}(total, aggregates[base + c]);
  }
  carry_shared[local] = total;
  workgroupBarrier();
  for (var offset = 1u; offset < CARRY_WORKGROUP; offset = offset << 1u) {
    var value = carry_shared[local];
    if (local >= offset) {
      value = ${combine.name}(carry_shared[local - offset], value);
    }
    workgroupBarrier();
    carry_shared[local] = value;
    workgroupBarrier();
  }
  var prefix = initial_element(channel);
  if (local > 0u) {
    prefix = ${combine.name}(prefix, carry_shared[local - 1u]);
  }
  for (var c = first; c < last; c++) {
    prefixes[base + c] = prefix;
    prefix = ${combine.name}(prefix, aggregates[base + c]);
  }
}
`;
}
