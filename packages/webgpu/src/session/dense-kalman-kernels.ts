/**
 * ELK's step on the GPU for small D (≤ 8): the parallel Kalman filter of Särkkä & García-Fernández (IEEE TAC
 * 2021) with `@elk/kalman`'s `fullFilterOperator(D)` WGSL twin, chunked. With Q = I, H = I, R = I/λ the
 * element of step t is (g = λ/(1+λ), k = 1/(1+λ)):
 *
 *   A = k F_t,  b = b_t + g (y_t − b_t),  C = k I,  η = g F_tᵀ (y_t − b_t),  J = g F_tᵀ F_t
 *
 * (λ = 0: the affine map (F_t, b_t)). Pass 1 folds each chunk (one invocation per sequence and chunk), pass 2
 * scans the chunk aggregates, pass 3 runs the sequential filter from each chunk's (m, P):
 * m⁻ = F m + b, P⁻ = F P Fᵀ + I, K = λ (λ P⁻ + I)⁻¹ P⁻, m = m⁻ + K (y − m⁻), P = P⁻ − K P⁻, and writes the
 * means (filter) or the RTS smoother's reverse-scan elements E_t = P_t F_{t+1}ᵀ (P⁻_{t+1})⁻¹,
 * g_t = m_t − E_t m⁻_{t+1} (smoother), solved afterwards by the dense scan in reverse.
 *
 * @module
 */

import { fullFilterOperator } from '@elk/kalman';
import { webGpuDefaults } from '../defaults.ts';
import { chunkCarryScanWgsl } from '../kernels/chunk-carry-scan.ts';
import { commonWgsl, linearInvocationWgsl } from '../kernels/wgsl-common.ts';
import { sequenceStateWgsl, sessionParams } from './session-layout.ts';

/** The Kalman element's WGSL type for dimension D. */
export function denseKalmanOperator(stateSize: number): ReturnType<typeof fullFilterOperator> {
  return fullFilterOperator(stateSize);
}

/** Words of one full filter element: A, C, J (D² each), b, η (D each). */
export function denseKalmanElementWords(stateSize: number): number {
  return 3 * stateSize * stateSize + 2 * stateSize;
}

/** Workgroup size of the carry pass: a power of two whose elements fit in half the workgroup memory. */
export function denseKalmanCarryWorkgroup(stateSize: number, workgroupBytes: number): number {
  const bytes = denseKalmanElementWords(stateSize) * 4;
  let size = 1;
  while (size * 2 * bytes <= workgroupBytes / 2 && size * 2 <= webGpuDefaults.reductionWorkgroupSize)
    size *= 2;
  return size;
}

function header(stateSize: number): string {
  const { wgsl } = denseKalmanOperator(stateSize);
  return `${sessionParams.wgsl}
const STATE_SIZE: u32 = ${stateSize}u;
const MATRIX_SIZE: u32 = ${stateSize * stateSize}u;
${wgsl.combine.code}
${wgsl.identity.code}
${commonWgsl}
${linearInvocationWgsl(webGpuDefaults.workgroupSize)}
${sequenceStateWgsl}
@group(0) @binding(1) var<storage, read> jacobian: array<f32>;
@group(0) @binding(2) var<storage, read> offset: array<f32>;
@group(0) @binding(3) var<storage, read> iterate: array<f32>;

fn sequence_lambda(global: u32) -> f32 {
  return select(params.lambda, status[global].lambda, params.lambda_session != 0u);
}

fn load_matrix(step: u32) -> array<f32, MATRIX_SIZE> {
  var m: array<f32, MATRIX_SIZE>;
  for (var i = 0u; i < MATRIX_SIZE; i++) { m[i] = jacobian[params.offset_jacobian + step * MATRIX_SIZE + i]; }
  return m;
}

fn load_vector_offset(step: u32) -> array<f32, STATE_SIZE> {
  var v: array<f32, STATE_SIZE>;
  for (var i = 0u; i < STATE_SIZE; i++) { v[i] = offset[params.offset_offset + step * STATE_SIZE + i]; }
  return v;
}

fn load_vector_iterate(step: u32) -> array<f32, STATE_SIZE> {
  var v: array<f32, STATE_SIZE>;
  for (var i = 0u; i < STATE_SIZE; i++) { v[i] = iterate[params.offset_iterate + step * STATE_SIZE + i]; }
  return v;
}
`;
}

/** Pass 1: bindings 1 jacobian, 2 offset, 3 iterate, 4 aggregates (write), 5 status (read). */
export function denseKalmanReduceWgsl(stateSize: number): string {
  const { wgsl } = denseKalmanOperator(stateSize);
  const E = wgsl.elementType;
  return /* wgsl */ `${header(stateSize)}
@group(0) @binding(4) var<storage, read_write> aggregates: array<${E}>;
@group(0) @binding(5) var<storage, read> status: array<SequenceState>;

fn filter_element(step: u32, lambda: f32) -> ${E} {
  let F = load_matrix(step);
  let u = load_vector_offset(step);
  let y = load_vector_iterate(step);
  var e: ${E};
  if (lambda == 0.0) {
    e.A = F;
    e.b = u;
    return e;
  }
  let g = lambda / (1.0 + lambda);
  let k = 1.0 / (1.0 + lambda);
  for (var i = 0u; i < STATE_SIZE; i++) {
    e.b[i] = u[i] + g * (y[i] - u[i]);
    e.C[i * STATE_SIZE + i] = k;
    var eta = 0.0;
    for (var r = 0u; r < STATE_SIZE; r++) { eta += F[r * STATE_SIZE + i] * (y[r] - u[r]); }
    e.eta[i] = g * eta;
    for (var j = 0u; j < STATE_SIZE; j++) {
      e.A[i * STATE_SIZE + j] = k * F[i * STATE_SIZE + j];
      var product = 0.0;
      for (var r = 0u; r < STATE_SIZE; r++) { product += F[r * STATE_SIZE + i] * F[r * STATE_SIZE + j]; }
      e.J[i * STATE_SIZE + j] = g * product;
    }
  }
  return e;
}

@compute @workgroup_size(${webGpuDefaults.workgroupSize})
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let index = linear_invocation(workgroup, workgroups, local);
  if (index >= params.count) { return; }
  let chunk = index % params.chunks;
  let sequence = index / params.chunks;
  let global = params.batch_base + sequence;
  if (status[global].running == 0u) { return; }
  let lambda = sequence_lambda(global);
  let first = chunk * params.chunk;
  let last = min(first + params.chunk, params.length);
  var total = ${wgsl.identity.name}();
  for (var t = first; t < last; t++) {
    total = ${wgsl.combine.name}(total, filter_element(sequence * params.length + t, lambda));
  }
  aggregates[sequence * params.chunks + chunk] = total;
}
`;
}

/** Pass 2: the chunk-carry scan from the identity, in workgroups of {@link denseKalmanCarryWorkgroup}. */
export function denseKalmanCarryWgsl(stateSize: number, workgroupSize: number): string {
  const operator = denseKalmanOperator(stateSize);
  return chunkCarryScanWgsl(
    operator,
    `fn initial_element(channel: u32) -> ${operator.wgsl.elementType} { return ${operator.wgsl.identity.name}(); }`,
    workgroupSize,
  );
}
