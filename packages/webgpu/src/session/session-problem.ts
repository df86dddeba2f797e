/**
 * Validation of a problem handed to the WebGPU backend's `createSession`.
 *
 * @module
 */

import type { CellWgsl } from '@elk/cells';
import type { SolverProblem } from '@elk/solvers';
import { webGpuDefaults } from '../defaults.ts';
import { WebGpuInputError } from '../errors.ts';
import { checkFinite, checkFloatArray, checkPositiveInteger } from '../input-checks.ts';
import type { CellShape, GemmCellKind } from './cell-kernels.ts';

/**
 * Which GEMM cell a cell is: `@elk/cells`' GRU or Elman cell when its name, its WGSL twin's key and the twin's
 * helpers say so; else undefined.
 */
function gemmKind(name: string, wgsl: CellWgsl): GemmCellKind | undefined {
  if (name === 'gru' && wgsl.key.startsWith('gru-') && wgsl.code.includes('fn cell_gru_gates(')) return 'gru';
  if (name === 'elman' && wgsl.key.startsWith('elman-') && wgsl.code.includes('fn cell_elman_unit(')) {
    return 'elman';
  }
  return undefined;
}

/** A validated problem, arrays in f32. */
export interface ValidProblem {
  readonly cell: CellShape;
  readonly batch: number;
  readonly length: number;
  readonly inputs: Float32Array;
  readonly initialState: Float32Array;
  readonly initialGuess: Float32Array | undefined;
  readonly historyCapacity: number;
}

/**
 * Checks sizes, array types and lengths, NaN in the inputs and initial state, and that the cell has a WGSL
 * twin; converts arrays to f32.
 *
 * @throws {@link WebGpuInputError} naming the first offending argument.
 */
export function validateSessionProblem(problem: SolverProblem, unroll: boolean): ValidProblem {
  const { cell } = problem;
  if (typeof cell !== 'object' || cell === null || !Number.isInteger(cell.stateSize) || cell.stateSize < 1) {
    throw new WebGpuInputError('cell', 'a Cell with a positive integer stateSize', String(cell));
  }
  const wgsl = cell.wgsl;
  if (!wgsl) {
    throw new WebGpuInputError('cell', `a cell with a WGSL twin (cell.wgsl)`, `'${cell.name}' without one`);
  }
  const batch = checkPositiveInteger('batch', problem.batch);
  const length = checkPositiveInteger('length', problem.length);
  const D = cell.stateSize;
  const I = cell.inputSize;
  const inputs = checkFloatArray('inputs', problem.inputs, batch * length * I, 'batch × length × inputSize');
  checkFinite('inputs', inputs);
  const initialState = checkFloatArray('initialState', problem.initialState, batch * D, 'batch × stateSize');
  checkFinite('initialState', initialState);
  const initialGuess =
    problem.initialGuess === undefined
      ? undefined
      : checkFloatArray(
          'initialGuess',
          problem.initialGuess,
          batch * length * D,
          'batch × length × stateSize',
        );
  const historyCapacity =
    problem.historyCapacity === undefined
      ? webGpuDefaults.historyCapacity
      : checkPositiveInteger('historyCapacity', problem.historyCapacity);
  return {
    cell: { stateSize: D, inputSize: I, wgsl, unroll, gemm: gemmKind(cell.name, wgsl) },
    batch,
    length,
    inputs,
    initialState,
    initialGuess,
    historyCapacity,
  };
}
