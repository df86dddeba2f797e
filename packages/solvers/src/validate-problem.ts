import type { Cell, FloatArray } from '@elk/cells';
import type { SolverProblem } from './backend.ts';
import { describeValue, SolverInputError } from './errors.ts';

function isFloatArray(value: unknown): value is FloatArray {
  return value instanceof Float32Array || value instanceof Float64Array;
}

/** Throws a {@link SolverInputError} unless `value` is an integer ≥ `minimum`. */
export function checkInteger(argument: string, value: unknown, minimum: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    throw new SolverInputError(argument, `an integer ≥ ${minimum}`, describeValue(value));
  }
  return value;
}

/** Throws unless `value` is a Float32Array or Float64Array of `length` finite values. */
export function checkFloatArray(argument: string, value: unknown, length: number, shape: string): FloatArray {
  if (!isFloatArray(value)) {
    throw new SolverInputError(argument, `a Float32Array or Float64Array [${shape}]`, describeValue(value));
  }
  if (value.length !== length) {
    throw new SolverInputError(argument, `length ${length} ([${shape}])`, describeValue(value));
  }
  for (let i = 0; i < value.length; i++) {
    if (!Number.isFinite(value[i] as number)) {
      throw new SolverInputError(
        argument,
        'finite values (no NaN or ±Infinity)',
        `${value[i]} at index ${i}`,
      );
    }
  }
  return value;
}

/** Throws unless `cell` looks like a Cell (positive state size, non-negative input size, the CPU functions). */
export function checkCell(cell: unknown): Cell {
  const candidate = cell as Partial<Cell> | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    typeof candidate.step !== 'function' ||
    typeof candidate.linearize !== 'function' ||
    !Number.isInteger(candidate.stateSize) ||
    (candidate.stateSize ?? 0) < 1 ||
    !Number.isInteger(candidate.inputSize) ||
    (candidate.inputSize ?? -1) < 0
  ) {
    throw new SolverInputError(
      'cell',
      'a Cell (stateSize ≥ 1, inputSize ≥ 0, step, linearize)',
      describeValue(cell),
    );
  }
  return cell as Cell;
}

/**
 * Validates a {@link SolverProblem}'s sizes and arrays (finite values, lengths that match the cell); backends
 * call it in `createSession`.
 *
 * @example
 * ```ts
 * validateProblem({ cell, batch: 2, length: 100, inputs, initialState }); // throws SolverInputError when wrong
 * ```
 *
 * @throws {@link SolverInputError} naming the first offending field.
 */
export function validateProblem(problem: SolverProblem): void {
  const cell = checkCell(problem.cell);
  const batch = checkInteger('batch', problem.batch, 1);
  const length = checkInteger('length', problem.length, 1);
  const D = cell.stateSize;
  const I = cell.inputSize;
  checkFloatArray(
    'inputs',
    problem.inputs,
    batch * length * I,
    `batch ${batch} × length ${length} × inputSize ${I}`,
  );
  checkFloatArray('initialState', problem.initialState, batch * D, `batch ${batch} × stateSize ${D}`);
  if (problem.initialGuess !== undefined) {
    checkFloatArray(
      'initialGuess',
      problem.initialGuess,
      batch * length * D,
      `batch ${batch} × length ${length} × stateSize ${D}`,
    );
  }
  if (problem.historyCapacity !== undefined) checkInteger('historyCapacity', problem.historyCapacity, 2);
}
