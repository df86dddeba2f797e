/**
 * Pass 3 of ELK's dense Kalman step (see dense-kalman-kernels.ts): the sequential filter from each chunk's
 * filtered (m, P), writing the means (filter) or the smoother's reverse-scan elements (E_t, g_t).
 *
 * @module
 */

import { webGpuDefaults } from '../defaults.ts';
import { commonWgsl, linearInvocationWgsl } from '../kernels/wgsl-common.ts';
import { denseKalmanOperator } from './dense-kalman-kernels.ts';
import { sequenceStateWgsl, sessionParams } from './session-layout.ts';

const solveWgsl = /* wgsl */ `
// X with matrix · X = rhs (D × D), Gaussian elimination with partial pivoting.
fn elk_solve(matrix: array<f32, MATRIX_SIZE>, rhs: array<f32, MATRIX_SIZE>) -> array<f32, MATRIX_SIZE> {
  var m = matrix;
  var x = rhs;
  for (var k = 0u; k < STATE_SIZE; k++) {
    var best = k;
    for (var i = k + 1u; i < STATE_SIZE; i++) {
      if (abs(m[i * STATE_SIZE + k]) > abs(m[best * STATE_SIZE + k])) { best = i; }
    }
    for (var j = 0u; j < STATE_SIZE; j++) {
      let swap_m = m[k * STATE_SIZE + j];
      m[k * STATE_SIZE + j] = m[best * STATE_SIZE + j];
      m[best * STATE_SIZE + j] = swap_m;
      let swap_x = x[k * STATE_SIZE + j];
      x[k * STATE_SIZE + j] = x[best * STATE_SIZE + j];
      x[best * STATE_SIZE + j] = swap_x;
    }
    for (var i = k + 1u; i < STATE_SIZE; i++) {
      let factor = m[i * STATE_SIZE + k] / m[k * STATE_SIZE + k];
      for (var j = k; j < STATE_SIZE; j++) { m[i * STATE_SIZE + j] -= factor * m[k * STATE_SIZE + j]; }
      for (var j = 0u; j < STATE_SIZE; j++) { x[i * STATE_SIZE + j] -= factor * x[k * STATE_SIZE + j]; }
    }
  }
  for (var step = 0u; step < STATE_SIZE; step++) {
    let k = STATE_SIZE - 1u - step;
    for (var j = 0u; j < STATE_SIZE; j++) {
      var value = x[k * STATE_SIZE + j];
      for (var c = k + 1u; c < STATE_SIZE; c++) { value -= m[k * STATE_SIZE + c] * x[c * STATE_SIZE + j]; }
      x[k * STATE_SIZE + j] = value / m[k * STATE_SIZE + k];
    }
  }
  return x;
}
`;

/**
 * Pass 3: bindings 1 jacobian, 2 offset, 3 iterate, 4 prefixes (read), 5 status (read), 6 means (filter) or
 * g_t (smoother), 7 E_t [B, T, D, D] (smoother only).
 */
export function denseKalmanApplyWgsl(stateSize: number, smoother: boolean): string {
  const { wgsl } = denseKalmanOperator(stateSize);
  const E = wgsl.elementType;
  const gainBinding = smoother ? '@group(0) @binding(7) var<storage, read_write> gain: array<f32>;' : '';
  const output = smoother
    ? /* wgsl */ `
    if (t > 0u) {
      var propagated: array<f32, MATRIX_SIZE>;
      for (var i = 0u; i < STATE_SIZE; i++) {
        for (var j = 0u; j < STATE_SIZE; j++) {
          var sum = 0.0;
          for (var r = 0u; r < STATE_SIZE; r++) { sum += F[i * STATE_SIZE + r] * covariance[r * STATE_SIZE + j]; }
          propagated[i * STATE_SIZE + j] = sum;
        }
      }
      // Gᵀ = (P⁻)⁻¹ F P, so G = P Fᵀ (P⁻)⁻¹ (P⁻ and P symmetric).
      let transposed = elk_solve(predicted_covariance, propagated);
      let previous = step - 1u;
      for (var i = 0u; i < STATE_SIZE; i++) {
        var correction = mean[i];
        for (var j = 0u; j < STATE_SIZE; j++) {
          let g = transposed[j * STATE_SIZE + i];
          gain[params.offset_gain + previous * MATRIX_SIZE + i * STATE_SIZE + j] = g;
          correction -= g * predicted[j];
        }
        means[params.offset_candidate + previous * STATE_SIZE + i] = correction;
      }
    }
    if (t + 1u == params.length) {
      for (var i = 0u; i < STATE_SIZE; i++) {
        means[params.offset_candidate + step * STATE_SIZE + i] = next_mean[i];
        for (var j = 0u; j < STATE_SIZE; j++) { gain[params.offset_gain + step * MATRIX_SIZE + i * STATE_SIZE + j] = 0.0; }
      }
    }`
    : /* wgsl */ `
    for (var i = 0u; i < STATE_SIZE; i++) { means[params.offset_candidate + step * STATE_SIZE + i] = next_mean[i]; }`;
  return /* wgsl */ `${sessionParams.wgsl}
const STATE_SIZE: u32 = ${stateSize}u;
const MATRIX_SIZE: u32 = ${stateSize * stateSize}u;
${wgsl.combine.code}
${commonWgsl}
${linearInvocationWgsl(webGpuDefaults.workgroupSize)}
${sequenceStateWgsl}
${solveWgsl}
@group(0) @binding(1) var<storage, read> jacobian: array<f32>;
@group(0) @binding(2) var<storage, read> offset: array<f32>;
@group(0) @binding(3) var<storage, read> iterate: array<f32>;
@group(0) @binding(4) var<storage, read> prefixes: array<${E}>;
@group(0) @binding(5) var<storage, read> status: array<SequenceState>;
@group(0) @binding(6) var<storage, read_write> means: array<f32>;
${gainBinding}

@compute @workgroup_size(${webGpuDefaults.workgroupSize})
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let index = linear_invocation(workgroup, workgroups, local);
  if (index >= params.count) { return; }
  let chunk = index % params.chunks;
  let sequence = index / params.chunks;
  let global = params.batch_base + sequence;
  if (status[global].running == 0u) { return; }
  let lambda = select(params.lambda, status[global].lambda, params.lambda_session != 0u);
  let prefix = prefixes[sequence * params.chunks + chunk];
  var mean = prefix.b;
  var covariance = prefix.C;
  let first = chunk * params.chunk;
  let last = min(first + params.chunk, params.length);
  for (var t = first; t < last; t++) {
    let step = sequence * params.length + t;
    var F: array<f32, MATRIX_SIZE>;
    for (var i = 0u; i < MATRIX_SIZE; i++) { F[i] = jacobian[params.offset_jacobian + step * MATRIX_SIZE + i]; }
    var predicted: array<f32, STATE_SIZE>;
    var observed: array<f32, STATE_SIZE>;
    for (var i = 0u; i < STATE_SIZE; i++) {
      var sum = offset[params.offset_offset + step * STATE_SIZE + i];
      for (var j = 0u; j < STATE_SIZE; j++) { sum += F[i * STATE_SIZE + j] * mean[j]; }
      predicted[i] = sum;
      observed[i] = iterate[params.offset_iterate + step * STATE_SIZE + i];
    }
    var predicted_covariance: array<f32, MATRIX_SIZE>;
    for (var i = 0u; i < STATE_SIZE; i++) {
      for (var j = 0u; j < STATE_SIZE; j++) {
        var sum = select(0.0, 1.0, i == j);
        for (var r = 0u; r < STATE_SIZE; r++) {
          var inner = 0.0;
          for (var c = 0u; c < STATE_SIZE; c++) { inner += covariance[r * STATE_SIZE + c] * F[j * STATE_SIZE + c]; }
          sum += F[i * STATE_SIZE + r] * inner;
        }
        predicted_covariance[i * STATE_SIZE + j] = sum;
      }
    }
    var next_mean = predicted;
    var next_covariance: array<f32, MATRIX_SIZE>;
    if (lambda != 0.0) {
      var system: array<f32, MATRIX_SIZE>;
      var scaled: array<f32, MATRIX_SIZE>;
      for (var i = 0u; i < MATRIX_SIZE; i++) {
        scaled[i] = lambda * predicted_covariance[i];
        system[i] = scaled[i];
      }
      for (var i = 0u; i < STATE_SIZE; i++) { system[i * STATE_SIZE + i] += 1.0; }
      let K = elk_solve(system, scaled);
      for (var i = 0u; i < STATE_SIZE; i++) {
        for (var j = 0u; j < STATE_SIZE; j++) {
          next_mean[i] += K[i * STATE_SIZE + j] * (observed[j] - predicted[j]);
          var product = 0.0;
          for (var r = 0u; r < STATE_SIZE; r++) { product += K[i * STATE_SIZE + r] * predicted_covariance[r * STATE_SIZE + j]; }
          next_covariance[i * STATE_SIZE + j] = predicted_covariance[i * STATE_SIZE + j] - product;
        }
      }
      for (var i = 0u; i < STATE_SIZE; i++) {
        for (var j = i + 1u; j < STATE_SIZE; j++) {
          let average = 0.5 * (next_covariance[i * STATE_SIZE + j] + next_covariance[j * STATE_SIZE + i]);
          next_covariance[i * STATE_SIZE + j] = average;
          next_covariance[j * STATE_SIZE + i] = average;
        }
      }
    }
${output}
    mean = next_mean;
    covariance = next_covariance;
  }
}
`;
}
