/**
 * The diagonal scan's apply pass fused with `update` (no trust region, step criterion): quasi-DEER's
 * iteration writes the new iterate where the scan produces the candidate, instead of writing the candidate
 * and reading it back. Per element it reads a, b and the old iterate and writes the (reset) candidate and
 * the new iterate — 20 bytes against the unfused 12 (apply) + 16 (update) — and each invocation leaves the
 * `update` partial of its chunk and channel for `finish-update`.
 *
 * @module
 */

import { affineDiagonalOperator } from '@elk/scan';
import { webGpuDefaults } from '../defaults.ts';
import { diagonalScanFields, diagonalScanHeaderWgsl } from '../kernels/affine-diagonal-scan.ts';
import { type UniformField, uniformLayout } from '../uniform-layout.ts';
import { type SessionParamValues, sequenceStateWgsl } from './session-layout.ts';
import { resetWgsl } from './update-kernels.ts';

/**
 * The uniform fields a scan with `update` fused adds after its own (this pass's and the single-pass scan's, see
 * single-pass-scan-update.ts): the iterate's offset and `update`'s options.
 */
export const updateInScanFields = [
  ['offset_iterate', 'u32'],
  ['tolerance', 'f32'],
  ['criterion', 'u32'],
  ['reset', 'u32'],
  ['reset_bound', 'f32'],
  ['damping', 'f32'],
] as const satisfies readonly UniformField[];

/** The values of {@link updateInScanFields} but the iterate's offset, from an `update` call's values. */
export function updateInScanValues(values: SessionParamValues) {
  return {
    tolerance: values.tolerance ?? 0,
    criterion: 0,
    reset: values.reset ?? 0,
    reset_bound: values.reset_bound ?? 0,
    damping: values.damping ?? 1,
  };
}

/** Uniform block of the fused pass: the scan's fields, then the iterate's offset and `update`'s options. */
export const scanUpdateParams = uniformLayout([...diagonalScanFields, ...updateInScanFields] as const);

/**
 * WGSL of the fused pass. Bindings: 1 a, 2 b, 3 the scan's chunk prefixes, 4 x (the candidate: written with
 * the reset values, as `update` leaves it), 5 the session's status words (stopped sequences are skipped),
 * 6 the iterate (s ← s + α (c − s)), 7 partials [B, chunks · D] (step, –, max |s| before, max |s| after,
 * flags), one per invocation, indexed (batch_base + sequence) · chunks · D + chunk · D + channel.
 */
export function scanUpdateWgsl(): string {
  const size = webGpuDefaults.workgroupSize;
  const E = affineDiagonalOperator.wgsl.elementType;
  return /* wgsl */ `${diagonalScanHeaderWgsl(size, scanUpdateParams.wgsl)}
${sequenceStateWgsl}
${resetWgsl}
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> prefixes: array<${E}>;
@group(0) @binding(4) var<storage, read_write> x: array<f32>;
@group(0) @binding(5) var<storage, read> running: array<u32>;
@group(0) @binding(6) var<storage, read_write> iterate: array<f32>;
@group(0) @binding(7) var<storage, read_write> partials: array<Partial>;
const STEPS: u32 = 8u;

// One element: the candidate c (reset), the step |c − s| from the old iterate s and the new iterate,
// folded into the partial.
fn step_element(i: u32, value: f32, old: f32, partial: ptr<function, Partial>) {
  let candidate = reset_value(value, &(*partial).flags);
  x[params.offset_x + i] = candidate;
  let difference = abs(candidate - old);
  if (is_nan(difference)) { (*partial).flags = (*partial).flags | FLAG_NOT_FINITE; }
  else { (*partial).first = max((*partial).first, difference); }
  (*partial).third = max((*partial).third, abs(old));
  let next = select(old + params.damping * (candidate - old), candidate, params.damping == 1.0);
  iterate[params.offset_iterate + i] = next;
  (*partial).fourth = max((*partial).fourth, abs(next));
}

@compute @workgroup_size(${size})
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let at = chunk_channel(linear_invocation(workgroup, workgroups, local));
  if (!at.valid) { return; }
  let global = params.batch_base + at.sequence;
  if (running[global * params.running_stride] == 0u) { return; }
  let first = at.chunk * params.chunk;
  let last = min(first + params.chunk, params.length);
  var partial = Partial(0.0, 0.0, 0.0, 0.0, 0u);
  var state = prefixes[(at.sequence * params.dim + at.channel) * params.chunks + at.chunk].b;
  var tau = first;
  // STEPS steps' loads (a, b and the old iterate) are issued before their arithmetic.
  for (; tau + STEPS <= last; tau += STEPS) {
    var slope: array<f32, STEPS>;
    var intercept: array<f32, STEPS>;
    var old: array<f32, STEPS>;
    for (var k = 0u; k < STEPS; k++) {
      let i = element_index(at, tau + k);
      slope[k] = a[params.offset_a + i];
      intercept[k] = b[params.offset_b + i];
      old[k] = iterate[params.offset_iterate + i];
    }
    for (var k = 0u; k < STEPS; k++) {
      state = slope[k] * state + intercept[k];
      step_element(element_index(at, tau + k), state, old[k], &partial);
    }
  }
  for (; tau < last; tau++) {
    let i = element_index(at, tau);
    state = a[params.offset_a + i] * state + b[params.offset_b + i];
    step_element(i, state, iterate[params.offset_iterate + i], &partial);
  }
  partials[global * params.chunks * params.dim + at.chunk * params.dim + at.channel] = partial;
}
`;
}
