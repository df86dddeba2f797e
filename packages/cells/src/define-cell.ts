/**
 * User-defined cells: f written once in TypeScript over a scalar algebra; Jacobians by forward-mode
 * automatic differentiation.
 *
 * @module
 */
import type { Cell, CellWgsl } from './cell.ts';
import { createCellFromKernel } from './cell-kernel.ts';
import { dualOps, NUMBER_OPS, type Operand, type ScalarOps } from './dual.ts';
import { CellConfigError } from './errors.ts';
import { nonNegativeInteger, positiveInteger } from './options.ts';

/**
 * A cell's f over any scalar algebra `T`: plain numbers for values, dual numbers for derivatives.
 * `state` has `stateSize` entries, `input` `inputSize`; return `stateSize` entries.
 *
 * @example
 * ```ts
 * const step: CellStepFunction = (s, u, m) => [m.tanh(m.add(m.mul(0.5, s[0]), u[0]))];
 * ```
 */
export type CellStepFunction = <T>(
  state: readonly T[],
  input: readonly number[],
  ops: ScalarOps<T>,
) => readonly Operand<T>[];

/**
 * Options of {@link defineCell}.
 *
 * @example
 * ```ts
 * const options: DefineCellOptions = { stateSize: 1, inputSize: 1, step: (s, u, m) => [m.mul(s[0], u[0])] };
 * const cell = defineCell(options);
 * ```
 */
export interface DefineCellOptions {
  /** A short name (default `'custom'`). */
  name?: string;
  stateSize: number;
  inputSize: number;
  /** f(s, u), written with `ops` (see {@link ScalarOps}) so that it can be differentiated. */
  step: CellStepFunction;
  /**
   * The cell's WGSL twin, when the user writes one (see {@link CellWgsl} for the functions it must
   * define). Without it the cell runs on CPU backends only.
   */
  wgsl?: CellWgsl;
}

/**
 * A {@link Cell} from a user's f. Values run `step` on numbers; the dense Jacobian runs it once on dual
 * numbers with D = stateSize tangent directions (one per state component), so ∂f_i/∂s_j is exact to
 * rounding; the diagonal is taken from that dense Jacobian. No WGSL is generated: pass `wgsl` to run the
 * cell on WebGPU.
 *
 * @example
 * ```ts
 * const damped = defineCell({
 *   stateSize: 2,
 *   inputSize: 1,
 *   step: (s, u, m) => [m.tanh(m.add(m.mul(0.9, s[0]), u[0])), m.mul(m.sigmoid(s[0]), s[1])],
 * });
 * const jacobian = damped.jacobian(new Float64Array([0.1, 0.2]), new Float64Array([1]), 1);
 * ```
 */
export function defineCell(options: DefineCellOptions): Cell {
  const stateSize = positiveInteger('stateSize', options.stateSize);
  const inputSize = nonNegativeInteger('inputSize', options.inputSize);
  const { step } = options;
  if (typeof step !== 'function') throw new CellConfigError('step', 'a function', typeof step);
  const name = options.name ?? 'custom';
  const duals = dualOps(stateSize);
  const state = new Array<number>(stateSize).fill(0);
  const input = new Array<number>(inputSize).fill(0);
  const checked = <T>(result: readonly Operand<T>[]): readonly Operand<T>[] => {
    if (!Array.isArray(result) || result.length !== stateSize) {
      throw new CellConfigError(
        'step',
        `a function returning ${stateSize} values (stateSize)`,
        Array.isArray(result) ? `${result.length} values` : typeof result,
      );
    }
    return result;
  };
  return createCellFromKernel({
    name,
    stateSize,
    inputSize,
    ...(options.wgsl ? { wgsl: options.wgsl } : {}),
    kernel: (states, so, inputs, io, values, vo, mode, jacobian, jo) => {
      for (let i = 0; i < inputSize; i++) input[i] = inputs[io + i] ?? 0;
      if (mode === 'none') {
        for (let j = 0; j < stateSize; j++) state[j] = states[so + j] ?? 0;
        const result = checked(step(state, input, NUMBER_OPS));
        for (let i = 0; i < stateSize; i++) values[vo + i] = NUMBER_OPS.value(result[i] ?? 0);
        return;
      }
      const variables = Array.from({ length: stateSize }, (_, j) => duals.variable(states[so + j] ?? 0, j));
      const result = checked(step(variables, input, duals));
      for (let i = 0; i < stateSize; i++) {
        const output = result[i] ?? 0;
        if (typeof output === 'number') {
          values[vo + i] = output;
          if (mode === 'dense') for (let j = 0; j < stateSize; j++) jacobian[jo + i * stateSize + j] = 0;
          else jacobian[jo + i] = 0;
          continue;
        }
        values[vo + i] = output.value;
        if (mode === 'dense') jacobian.set(output.tangent, jo + i * stateSize);
        else jacobian[jo + i] = output.tangent[i] ?? 0;
      }
    },
  });
}
