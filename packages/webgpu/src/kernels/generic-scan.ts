/**
 * WGSL of the chunked inclusive scan for any `ScanOperator` given with a WGSL twin, over [B, T] elements:
 * reduce (fold each chunk), carries ({@link chunkCarryScanWgsl} from the identity), apply (re-fold each chunk
 * from its prefix, writing every inclusive prefix). Forward, or reverse (elements nearer the end first).
 *
 * @module
 */

import type { ScanOperator } from '@elk/scan';
import { webGpuDefaults } from '../defaults.ts';
import { uniformLayout } from '../uniform-layout.ts';
import { chunkCarryScanWgsl } from './chunk-carry-scan.ts';
import { commonWgsl, linearInvocationWgsl } from './wgsl-common.ts';

/** Uniform block of the generic scan's reduce and apply passes. */
export const genericScanParams = uniformLayout([
  ['batch', 'u32'],
  ['length', 'u32'],
  ['chunk', 'u32'],
  ['chunks', 'u32'],
  ['count', 'u32'],
  ['reverse', 'u32'],
] as const);

type OperatorWgsl = Pick<ScanOperator<unknown>, 'wgsl'>;

function header(operator: OperatorWgsl): string {
  const { combine, identity } = operator.wgsl;
  return `${genericScanParams.wgsl}
${combine.code}
${identity.code}
${commonWgsl}
${linearInvocationWgsl(webGpuDefaults.workgroupSize)}
`;
}

/** Pass 1: bindings 1 elements `array<E>` [B, T] (read), 2 aggregates [B, C] (write). */
export function genericScanReduceWgsl(operator: OperatorWgsl): string {
  const { elementType: E, combine, identity } = operator.wgsl;
  return /* wgsl */ `${header(operator)}
@group(0) @binding(1) var<storage, read> elements: array<${E}>;
@group(0) @binding(2) var<storage, read_write> aggregates: array<${E}>;

@compute @workgroup_size(${webGpuDefaults.workgroupSize})
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let index = linear_invocation(workgroup, workgroups, local);
  if (index >= params.count) { return; }
  let chunk = index % params.chunks;
  let sequence = index / params.chunks;
  let first = chunk * params.chunk;
  let last = min(first + params.chunk, params.length);
  var total = ${identity.name}();
  for (var tau = first; tau < last; tau++) {
    total = ${combine.name}(total, elements[sequence * params.length + time_index(tau, params.length, params.reverse)]);
  }
  aggregates[index] = total;
}
`;
}

/** Pass 2: chunk carries from the identity. */
export function genericScanCarryWgsl(operator: OperatorWgsl): string {
  const { elementType: E, identity } = operator.wgsl;
  return chunkCarryScanWgsl(
    operator,
    `fn initial_element(channel: u32) -> ${E} { return ${identity.name}(); }`,
  );
}

/** Pass 3: bindings 1 elements (read), 2 prefixes [B, C] (read), 3 output `array<E>` [B, T] (write). */
export function genericScanApplyWgsl(operator: OperatorWgsl): string {
  const { elementType: E, combine } = operator.wgsl;
  return /* wgsl */ `${header(operator)}
@group(0) @binding(1) var<storage, read> elements: array<${E}>;
@group(0) @binding(2) var<storage, read> prefixes: array<${E}>;
@group(0) @binding(3) var<storage, read_write> output: array<${E}>;

@compute @workgroup_size(${webGpuDefaults.workgroupSize})
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let index = linear_invocation(workgroup, workgroups, local);
  if (index >= params.count) { return; }
  let chunk = index % params.chunks;
  let sequence = index / params.chunks;
  let first = chunk * params.chunk;
  let last = min(first + params.chunk, params.length);
  var total = prefixes[index];
  for (var tau = first; tau < last; tau++) {
    let at = sequence * params.length + time_index(tau, params.length, params.reverse);
    total = ${combine.name}(total, elements[at]);
    output[at] = total;
  }
}
`;
}
