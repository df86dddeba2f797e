/** Shared checks of the cell tests: finite differences, batch/precision consistency, WGSL evaluation. */
import type { TestGpu } from '@elk/testing';
import { expect } from 'vitest';
import type { Cell } from '../src/cell.ts';
import { createRandom } from '../src/random.ts';
import { evaluateWgsl } from './wgsl-harness.ts';

/** Random f64 states and inputs for `batch` elements, scaled by `scale`. */
export function randomBatch(cell: Cell, batch: number, seed: number, scale = 1) {
  const random = createRandom(seed);
  return {
    states: random.fillNormal(new Float64Array(batch * cell.stateSize), scale),
    inputs: random.fillNormal(new Float64Array(batch * cell.inputSize), scale),
  };
}

/** Central finite differences of f in f64: J[i, j] ≈ (f(s + h e_j) - f(s - h e_j)) / 2h, h = 1e-5 (1 + |s_j|). */
export function finiteDifferenceJacobian(cell: Cell, state: Float64Array, input: Float64Array): Float64Array {
  const size = cell.stateSize;
  const jacobian = new Float64Array(size * size);
  for (let j = 0; j < size; j++) {
    const h = 1e-5 * (1 + Math.abs(state[j]!));
    const plus = Float64Array.from(state);
    const minus = Float64Array.from(state);
    plus[j]! += h;
    minus[j]! -= h;
    const up = cell.step(plus, input, 1);
    const down = cell.step(minus, input, 1);
    for (let i = 0; i < size; i++) jacobian[i * size + j] = (up[i]! - down[i]!) / (2 * h);
  }
  return jacobian;
}

/** max |a - b| / max(max |b|, floor). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): number {
  expect(a.length).toBe(b.length);
  let difference = 0;
  let magnitude = floor;
  for (let index = 0; index < a.length; index++) {
    difference = Math.max(difference, Math.abs(a[index]! - b[index]!));
    magnitude = Math.max(magnitude, Math.abs(b[index]!));
  }
  return difference / magnitude;
}

/** The diagonals of a [batch, D, D] Jacobian. */
export function diagonalOf(jacobian: ArrayLike<number>, batch: number, size: number): Float64Array {
  const diagonal = new Float64Array(batch * size);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < size; i++) diagonal[b * size + i] = jacobian[b * size * size + i * size + i]!;
  }
  return diagonal;
}

/**
 * The generic checks every cell must pass at random (s, u): the dense Jacobian vs central differences
 * (f64, ≤ 1e-6) and vs `reference` (another cell with the same f, e.g. by dual numbers); its diagonal vs
 * `jacobianDiagonal`; `linearize` vs `step` + `jacobian`; batched vs per element; f32 vs f64.
 */
export function checkCell(cell: Cell, seed: number, options: { reference?: Cell; scale?: number } = {}) {
  const batch = 3;
  const { states, inputs } = randomBatch(cell, batch, seed, options.scale ?? 1);
  const D = cell.stateSize;
  const I = cell.inputSize;
  const values = cell.step(states, inputs, batch);
  const jacobian = cell.jacobian(states, inputs, batch);
  const diagonal = cell.jacobianDiagonal(states, inputs, batch);
  expect(values).toBeInstanceOf(Float64Array);
  for (let b = 0; b < batch; b++) {
    const state = states.slice(b * D, (b + 1) * D);
    const input = inputs.slice(b * I, (b + 1) * I);
    const own = jacobian.slice(b * D * D, (b + 1) * D * D);
    expect(relativeError(own, finiteDifferenceJacobian(cell, state, input))).toBeLessThanOrEqual(1e-6);
    expect(Array.from(cell.step(state, input, 1))).toEqual(Array.from(values.slice(b * D, (b + 1) * D)));
    expect(Array.from(cell.jacobian(state, input, 1))).toEqual(Array.from(own));
  }
  expect(relativeError(diagonal, diagonalOf(jacobian, batch, D), 1e-12)).toBeLessThanOrEqual(1e-12);
  for (const mode of ['dense', 'diagonal'] as const) {
    const linearValues = new Float64Array(batch * D);
    const linearJacobian = new Float64Array(mode === 'dense' ? batch * D * D : batch * D);
    cell.linearize(states, inputs, batch, mode, linearValues, linearJacobian);
    expect(Array.from(linearValues)).toEqual(Array.from(values));
    expect(Array.from(linearJacobian)).toEqual(Array.from(mode === 'dense' ? jacobian : diagonal));
  }
  if (options.reference) {
    expect(relativeError(options.reference.step(states, inputs, batch), values, 1)).toBeLessThanOrEqual(
      1e-12,
    );
    const dual = options.reference.jacobian(states, inputs, batch);
    expect(relativeError(dual, jacobian, 1)).toBeLessThanOrEqual(1e-10);
  }
  const values32 = cell.step(Float32Array.from(states), Float32Array.from(inputs), batch);
  const jacobian32 = cell.jacobian(Float32Array.from(states), Float32Array.from(inputs), batch);
  expect(values32).toBeInstanceOf(Float32Array);
  expect(relativeError(values32, values, 1)).toBeLessThanOrEqual(1e-5);
  expect(relativeError(jacobian32, jacobian, 1)).toBeLessThanOrEqual(1e-4);
}

/** Checks a cell's WGSL twin against its CPU f64 code on `batch` random (s, u) pairs. */
export async function checkWgsl(gpu: TestGpu, cell: Cell, seed: number, batch = 40, scale = 1) {
  const { states, inputs } = randomBatch(cell, batch, seed, scale);
  const states32 = Float32Array.from(states);
  const inputs32 = Float32Array.from(inputs);
  const cpuStates = Float64Array.from(states32);
  const cpuInputs = Float64Array.from(inputs32);
  const gpuResult = await evaluateWgsl(gpu, cell, states32, inputs32);
  const values = cell.step(cpuStates, cpuInputs, batch);
  const jacobian = cell.jacobian(cpuStates, cpuInputs, batch);
  const diagonal = cell.jacobianDiagonal(cpuStates, cpuInputs, batch);
  expect(relativeError(gpuResult.values, values, 1)).toBeLessThanOrEqual(2e-5);
  expect(relativeError(gpuResult.diagonalValues, values, 1)).toBeLessThanOrEqual(2e-5);
  expect(relativeError(gpuResult.diagonals, diagonal, 1)).toBeLessThanOrEqual(2e-5);
  expect(relativeError(gpuResult.jacobians, jacobian, 1)).toBeLessThanOrEqual(2e-5);
}
