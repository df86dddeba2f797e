/**
 * Turns a per-element kernel into a batched {@link Cell}: argument validation, output allocation and the
 * batch loop live here once, so each cell only writes the mathematics of one sequence element.
 *
 * @module
 */
import type { Cell, CellWgsl, FloatArray } from './cell.ts';
import { CellConfigError } from './errors.ts';

/**
 * What to compute besides f for one element.
 *
 * @example
 * ```ts
 * const mode: JacobianMode = 'diagonal';
 * ```
 */
export type JacobianMode = 'none' | 'dense' | 'diagonal';

/**
 * One sequence element of a cell: reads s at `states[stateOffset ..]` and u at `inputs[inputOffset ..]`,
 * writes f(s, u) at `values[valueOffset ..]` and, unless `mode` is `'none'`, ∂f/∂s at
 * `jacobian[jacobianOffset ..]` (D×D row-major, or D for the diagonal).
 *
 * @example
 * ```ts
 * const halve: ElementKernel = (s, so, _u, _uo, v, vo, mode, j, jo) => {
 *   v[vo] = (s[so] ?? 0) / 2;
 *   if (mode !== 'none') j[jo] = 0.5;
 * };
 * ```
 */
export type ElementKernel = (
  states: FloatArray,
  stateOffset: number,
  inputs: FloatArray,
  inputOffset: number,
  values: FloatArray,
  valueOffset: number,
  mode: JacobianMode,
  jacobian: FloatArray,
  jacobianOffset: number,
) => void;

/**
 * What {@link createCellFromKernel} needs.
 *
 * @example
 * ```ts
 * const definition: CellKernelDefinition = { name: 'halve', stateSize: 1, inputSize: 0, kernel: halve };
 * ```
 */
export interface CellKernelDefinition {
  name: string;
  stateSize: number;
  inputSize: number;
  kernel: ElementKernel;
  wgsl?: CellWgsl;
}

/**
 * A batched {@link Cell} from a per-element kernel.
 *
 * @example
 * ```ts
 * const decay = createCellFromKernel({
 *   name: 'decay', stateSize: 1, inputSize: 0,
 *   kernel: (s, so, _u, _uo, v, vo, mode, j, jo) => {
 *     v[vo] = 0.5 * (s[so] ?? 0);
 *     if (mode !== 'none') j[jo] = 0.5;
 *   },
 * });
 * ```
 */
export function createCellFromKernel<Extra extends object = object>(
  definition: CellKernelDefinition,
  extra?: Extra,
): Cell & Extra {
  const { name, stateSize, inputSize, kernel } = definition;
  let scratchValues: Float64Array = new Float64Array(stateSize);
  const run = (
    states: FloatArray,
    inputs: FloatArray,
    batch: number,
    mode: JacobianMode,
    values: FloatArray,
    jacobian: FloatArray,
    writeValues: boolean,
  ): void => {
    const jacobianStride = mode === 'dense' ? stateSize * stateSize : mode === 'diagonal' ? stateSize : 0;
    for (let element = 0; element < batch; element++) {
      kernel(
        states,
        element * stateSize,
        inputs,
        element * inputSize,
        values,
        writeValues ? element * stateSize : 0,
        mode,
        jacobian,
        element * jacobianStride,
      );
    }
  };
  const scratch = (): Float64Array => {
    if (scratchValues.length < stateSize) scratchValues = new Float64Array(stateSize);
    return scratchValues;
  };
  const cell: Cell = {
    name,
    stateSize,
    inputSize,
    step(states, inputs, batch, out) {
      checkArguments(name, stateSize, inputSize, states, inputs, batch);
      const values = checkOutput('out', out, states, batch * stateSize, 'batch × stateSize');
      run(states, inputs, batch, 'none', values, values, true);
      return values;
    },
    jacobian(states, inputs, batch, out) {
      checkArguments(name, stateSize, inputSize, states, inputs, batch);
      const size = batch * stateSize * stateSize;
      const jacobian = checkOutput('out', out, states, size, 'batch × stateSize × stateSize');
      run(states, inputs, batch, 'dense', scratch(), jacobian, false);
      return jacobian;
    },
    jacobianDiagonal(states, inputs, batch, out) {
      checkArguments(name, stateSize, inputSize, states, inputs, batch);
      const diagonal = checkOutput('out', out, states, batch * stateSize, 'batch × stateSize');
      run(states, inputs, batch, 'diagonal', scratch(), diagonal, false);
      return diagonal;
    },
    linearize(states, inputs, batch, mode, values, jacobian) {
      checkArguments(name, stateSize, inputSize, states, inputs, batch);
      if (mode !== 'dense' && mode !== 'diagonal') {
        throw new CellConfigError('mode', "'dense' or 'diagonal'", String(mode));
      }
      checkOutput('values', values, states, batch * stateSize, 'batch × stateSize');
      const jacobianSize = mode === 'dense' ? batch * stateSize * stateSize : batch * stateSize;
      checkOutput(
        'jacobian',
        jacobian,
        states,
        jacobianSize,
        mode === 'dense' ? 'batch × stateSize × stateSize' : 'batch × stateSize',
      );
      run(states, inputs, batch, mode, values, jacobian, true);
    },
  };
  if (definition.wgsl) Object.assign(cell, { wgsl: definition.wgsl });
  return Object.assign(cell, extra);
}

function checkArguments(
  name: string,
  stateSize: number,
  inputSize: number,
  states: FloatArray,
  inputs: FloatArray,
  batch: number,
): void {
  if (!Number.isInteger(batch) || batch < 0) {
    throw new CellConfigError('batch', 'a non-negative integer', String(batch));
  }
  if (!(states instanceof Float32Array || states instanceof Float64Array)) {
    throw new CellConfigError('states', 'a Float32Array or Float64Array', describe(states));
  }
  if (!(inputs instanceof Float32Array || inputs instanceof Float64Array)) {
    throw new CellConfigError('inputs', 'a Float32Array or Float64Array', describe(inputs));
  }
  if (states.length !== batch * stateSize) {
    throw new CellConfigError(
      'states',
      `length ${batch * stateSize} (batch ${batch} × stateSize ${stateSize} of ${name})`,
      `length ${states.length}`,
    );
  }
  if (inputs.length !== batch * inputSize) {
    throw new CellConfigError(
      'inputs',
      `length ${batch * inputSize} (batch ${batch} × inputSize ${inputSize} of ${name})`,
      `length ${inputs.length}`,
    );
  }
}

function checkOutput(
  argument: string,
  out: FloatArray | undefined,
  states: FloatArray,
  length: number,
  formula: string,
): FloatArray {
  if (out === undefined)
    return states instanceof Float32Array ? new Float32Array(length) : new Float64Array(length);
  if (!(out instanceof Float32Array || out instanceof Float64Array)) {
    throw new CellConfigError(argument, 'a Float32Array or Float64Array', describe(out));
  }
  if (out.length !== length) {
    throw new CellConfigError(argument, `length ${length} (${formula})`, `length ${out.length}`);
  }
  if (overlaps(out, states)) {
    throw new CellConfigError(
      argument,
      'an array that does not overlap `states`',
      'memory shared with states',
    );
  }
  return out;
}

function overlaps(a: FloatArray, b: FloatArray): boolean {
  if (a.buffer !== b.buffer || a.byteLength === 0 || b.byteLength === 0) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}
