/**
 * quasi-ELK's step on the GPU: D independent scalar Kalman problems per sequence, chunked like the
 * diagonal scan. With Q = 1, R = 1/λ and H = 1 (the model of `@elk/kalman`'s `elkModel`), the element of
 * step t (Särkkä & García-Fernández, IEEE TAC 2021, eq. 10–12, scalar) is
 *
 *   A = a/(1+λ),  b = b_t + (y_t − b_t) λ/(1+λ),  C = 1/(1+λ),  η = a (y_t − b_t) λ/(1+λ),  J = a² λ/(1+λ)
 *
 * (λ = 0: the affine map (a, b_t) itself). Pass 1 folds each chunk's elements with `@elk/kalman`'s
 * `diagonalFilterOperator` WGSL twin, pass 2 scans the chunk aggregates ({@link chunkCarryScanWgsl}), pass 3
 * runs the sequential filter from each chunk's filtered (m, P) — the most accurate order — and writes the
 * filtered means, or the smoother's reverse-scan elements m^s_t = G_t m^s_{t+1} + (m_t − G_t m^p_{t+1}),
 * G_t = P_t a_{t+1} / P^p_{t+1}, which the diagonal scan then solves backwards (RTS smoother).
 *
 * @module
 */

import { diagonalFilterOperator } from '@elk/kalman';
import { webGpuDefaults } from '../defaults.ts';
import { chunkCarryScanWgsl } from '../kernels/chunk-carry-scan.ts';
import { commonWgsl, linearInvocationWgsl } from '../kernels/wgsl-common.ts';
import { sequenceStateWgsl, sessionParams } from './session-layout.ts';

const E = diagonalFilterOperator.wgsl.elementType;

function header(stateSize: number): string {
  const size = webGpuDefaults.workgroupSize;
  return `${sessionParams.wgsl}
const STATE_SIZE: u32 = ${stateSize}u;
${diagonalFilterOperator.wgsl.combine.code}
${diagonalFilterOperator.wgsl.identity.code}
${commonWgsl}
${linearInvocationWgsl(size)}
${sequenceStateWgsl}
@group(0) @binding(1) var<storage, read> jacobian: array<f32>;
@group(0) @binding(2) var<storage, read> offset: array<f32>;
@group(0) @binding(3) var<storage, read> iterate: array<f32>;

struct ChunkChannel { sequence: u32, chunk: u32, channel: u32, valid: bool }

fn chunk_channel(index: u32) -> ChunkChannel {
  let channel = index % STATE_SIZE;
  let rest = index / STATE_SIZE;
  return ChunkChannel(rest / params.chunks, rest % params.chunks, channel, index < params.count);
}

fn sequence_lambda(global: u32) -> f32 {
  return select(params.lambda, status[global].lambda, params.lambda_session != 0u);
}

fn filter_element(a: f32, b: f32, y: f32, lambda: f32) -> ${E} {
  if (lambda == 0.0) { return ${E}(a, b, 0.0, 0.0, 0.0); }
  let gain = lambda / (1.0 + lambda);
  let keep = 1.0 / (1.0 + lambda);
  return ${E}(a * keep, b + (y - b) * gain, keep, a * (y - b) * gain, a * a * gain);
}
`;
}

const prologue = /* wgsl */ `
  let at = chunk_channel(linear_invocation(workgroup, workgroups, local));
  if (!at.valid) { return; }
  let global = params.batch_base + at.sequence;
  if (status[global].running == 0u) { return; }
  let lambda = sequence_lambda(global);
  let first = at.chunk * params.chunk;
  let last = min(first + params.chunk, params.length);`;

/**
 * Pass 1: bindings 1 jacobian (diag A), 2 offset (b), 3 iterate (y), 4 aggregates [batch, D, C] (write),
 * 5 status (read).
 */
export function kalmanDiagonalReduceWgsl(stateSize: number): string {
  return /* wgsl */ `${header(stateSize)}
@group(0) @binding(4) var<storage, read_write> aggregates: array<${E}>;
@group(0) @binding(5) var<storage, read> status: array<SequenceState>;

@compute @workgroup_size(${webGpuDefaults.workgroupSize})
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
${prologue}
  var total = ${diagonalFilterOperator.wgsl.identity.name}();
  for (var t = first; t < last; t++) {
    let i = (at.sequence * params.length + t) * STATE_SIZE + at.channel;
    let element = filter_element(jacobian[params.offset_jacobian + i], offset[params.offset_offset + i],
      iterate[params.offset_iterate + i], lambda);
    total = ${diagonalFilterOperator.wgsl.combine.name}(total, element);
  }
  aggregates[(at.sequence * STATE_SIZE + at.channel) * params.chunks + at.chunk] = total;
}
`;
}

/** Pass 2: the chunk-carry scan from the identity (A_1 = 0 makes the start irrelevant). */
export function kalmanDiagonalCarryWgsl(): string {
  return chunkCarryScanWgsl(
    diagonalFilterOperator,
    `fn initial_element(channel: u32) -> ${E} { return ${diagonalFilterOperator.wgsl.identity.name}(); }`,
  );
}

/**
 * Pass 3: bindings 1 jacobian, 2 offset, 3 iterate, 4 prefixes (read), 5 status (read), 6 candidate
 * (filter: the means; smoother: g_t), 7 gain (smoother only: G_t).
 */
export function kalmanDiagonalApplyWgsl(stateSize: number, smoother: boolean): string {
  const gainBinding = smoother ? '@group(0) @binding(7) var<storage, read_write> gain: array<f32>;' : '';
  return /* wgsl */ `${header(stateSize)}
const SMOOTHER: bool = ${smoother};
@group(0) @binding(4) var<storage, read> prefixes: array<${E}>;
@group(0) @binding(5) var<storage, read> status: array<SequenceState>;
@group(0) @binding(6) var<storage, read_write> means: array<f32>;
${gainBinding}

@compute @workgroup_size(${webGpuDefaults.workgroupSize})
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
${prologue}
  let prefix = prefixes[(at.sequence * STATE_SIZE + at.channel) * params.chunks + at.chunk];
  var mean = prefix.b;
  var variance = prefix.C;
  for (var t = first; t < last; t++) {
    let i = (at.sequence * params.length + t) * STATE_SIZE + at.channel;
    let a = jacobian[params.offset_jacobian + i];
    let predicted = a * mean + offset[params.offset_offset + i];
    let predicted_variance = a * a * variance + 1.0;
    var next_mean = predicted;
    var next_variance = 0.0;
    var smoother_gain = 0.0;
    if (lambda != 0.0) {
      let denominator = predicted_variance * lambda + 1.0;
      next_mean = predicted + (predicted_variance * lambda / denominator) * (iterate[params.offset_iterate + i] - predicted);
      next_variance = predicted_variance / denominator;
      smoother_gain = variance * a / predicted_variance;
    }
${
  smoother
    ? `    if (t > 0u) {
      gain[params.offset_gain + i - STATE_SIZE] = smoother_gain;
      means[params.offset_candidate + i - STATE_SIZE] = mean - smoother_gain * predicted;
    }
    if (t + 1u == params.length) {
      gain[params.offset_gain + i] = 0.0;
      means[params.offset_candidate + i] = next_mean;
    }`
    : '    means[params.offset_candidate + i] = next_mean;'
}
    mean = next_mean;
    variance = next_variance;
  }
}
`;
}
