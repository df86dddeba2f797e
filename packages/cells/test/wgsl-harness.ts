/**
 * Evaluates a cell's WGSL twin in two small test kernels (`cell_step` with
 * `cell_step_diagonal`, then `cell_jacobian_row`), with one (sequence element, Jacobian row) per invocation.
 */
import { runCompute, type TestGpu } from '@elk/testing';
import type { Cell } from '../src/cell.ts';

const bodies = {
  values: /* wgsl */ `
  if (row != 0u) { return; }
  let f = cell_step(s, u);
  var d: array<f32, STATE_SIZE>;
  let g = cell_step_diagonal(s, u, &d);
  for (var i = 0u; i < STATE_SIZE; i++) {
    first[b * STATE_SIZE + i] = f[i];
    second[b * STATE_SIZE + i] = g[i];
    third[b * STATE_SIZE + i] = d[i];
  }`,
  rows: /* wgsl */ `
  let jacobian_row = cell_jacobian_row(s, u, row);
  for (var j = 0u; j < STATE_SIZE; j++) { first[(b * STATE_SIZE + row) * STATE_SIZE + j] = jacobian_row[j]; }
  second[0] += 0.0 * third[0];`,
};

async function evaluate(
  device: GPUDevice,
  cell: Cell,
  body: keyof typeof bodies,
  states: Float32Array,
  inputs: Float32Array,
): Promise<Float32Array[]> {
  const wgsl = cell.wgsl;
  if (!wgsl) throw new Error(`${cell.name} has no WGSL`);
  const D = cell.stateSize;
  const I = cell.inputSize;
  const batch = states.length / D;
  const code = /* wgsl */ `
const STATE_SIZE: u32 = ${D}u;
const INPUT_SIZE: u32 = ${Math.max(I, 1)}u;
const TRUE_INPUT_SIZE: u32 = ${I}u;
const BATCH: u32 = ${batch}u;
@group(0) @binding(0) var<storage, read> cell_params: array<f32>;
@group(0) @binding(1) var<storage, read> states: array<f32>;
@group(0) @binding(2) var<storage, read> inputs: array<f32>;
@group(0) @binding(3) var<storage, read_write> first: array<f32>;
@group(0) @binding(4) var<storage, read_write> second: array<f32>;
@group(0) @binding(5) var<storage, read_write> third: array<f32>;
${wgsl.code}
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let b = id.x;
  let row = id.y;
  if (b >= BATCH || row >= STATE_SIZE) { return; }
  var s: array<f32, STATE_SIZE>;
  for (var i = 0u; i < STATE_SIZE; i++) { s[i] = states[b * STATE_SIZE + i]; }
  var u: array<f32, INPUT_SIZE>;
  for (var i = 0u; i < TRUE_INPUT_SIZE; i++) { u[i] = inputs[b * TRUE_INPUT_SIZE + i]; }
  ${bodies[body]}
}
`;
  return runCompute(
    device,
    code,
    [
      { data: wgsl.parameters.length > 0 ? wgsl.parameters : new Float32Array(1), readOnly: true },
      { data: states, readOnly: true },
      { data: inputs.length > 0 ? inputs : new Float32Array(1), readOnly: true },
      { data: new Float32Array(body === 'rows' ? batch * D * D : batch * D), output: true },
      { data: new Float32Array(batch * D), output: true },
      { data: new Float32Array(batch * D), output: true },
    ],
    [Math.ceil(batch / 8), Math.ceil(D / 8), 1],
  );
}

/** f, f and diagonal from `cell_step_diagonal`, and the dense Jacobian rows, from the WGSL twin. */
export async function evaluateWgsl(
  gpu: Pick<TestGpu, 'device'>,
  cell: Cell,
  states: Float32Array,
  inputs: Float32Array,
) {
  const [values, diagonalValues, diagonals] = await evaluate(gpu.device, cell, 'values', states, inputs);
  const [jacobians] = await evaluate(gpu.device, cell, 'rows', states, inputs);
  return { values: values!, diagonalValues: diagonalValues!, diagonals: diagonals!, jacobians: jacobians! };
}
