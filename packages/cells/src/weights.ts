/**
 * Reading named tensors out of a `weights` record (as {@link readSafetensors} returns it), with shape
 * checks that name the tensor and the expected shape.
 *
 * @module
 */
import type { Tensor } from './cell.ts';
import { WeightsError } from './errors.ts';

/**
 * The naming convention of a cell's weights: flax's (kernels [in, out]) or PyTorch's ([out, in]).
 *
 * @example
 * ```ts
 * const layout: WeightsLayout = 'torch';
 * gru({ hidden: 4, input: 1, layout });
 * ```
 */
export type WeightsLayout = 'flax' | 'torch';

/**
 * Finds `name` in `weights`: the exact key, or else the only key that ends with `.name` or `/name`
 * (so `params.cell.ir.kernel` or `gru/ir/kernel` match `ir.kernel`). Undefined when absent.
 *
 * @example
 * ```ts
 * findTensor({ 'rnn.cell.ir.kernel': tensor }, 'ir.kernel'); // tensor
 * ```
 */
export function findTensor(weights: Record<string, Tensor>, name: string): Tensor | undefined {
  const exact = weights[name];
  if (exact !== undefined) return exact;
  const normalized = name.replaceAll('/', '.');
  const matches = Object.keys(weights).filter((key) => key.replaceAll('/', '.').endsWith(`.${normalized}`));
  if (matches.length > 1) {
    throw new WeightsError(name, 'a single tensor with that name', `several: ${matches.join(', ')}`);
  }
  const key = matches[0];
  return key === undefined ? undefined : weights[key];
}

/**
 * The data of tensor `name`, checked to have exactly `shape`, as a fresh Float64Array (row-major).
 * Throws {@link WeightsError} naming the tensor and the expected shape when it is missing, misshapen,
 * of the wrong data length or holds a non-finite value.
 *
 * @example
 * ```ts
 * const kernel = readWeight(weights, 'ir.kernel', [input, hidden]);
 * ```
 */
export function readWeight(weights: Record<string, Tensor>, name: string, shape: number[]): Float64Array {
  const tensor = findTensor(weights, name);
  const expected = `shape [${shape.join(', ')}]`;
  if (tensor === undefined) throw new WeightsError(name, expected, 'no such tensor');
  if (
    !Array.isArray(tensor.shape) ||
    tensor.shape.length !== shape.length ||
    tensor.shape.some((size, axis) => size !== shape[axis])
  ) {
    throw new WeightsError(
      name,
      expected,
      Array.isArray(tensor.shape) ? `shape [${tensor.shape.join(', ')}]` : String(tensor.shape),
    );
  }
  const count = shape.reduce((product, size) => product * size, 1);
  if (!(tensor.data instanceof Float32Array || tensor.data instanceof Float64Array)) {
    throw new WeightsError(name, 'data as a Float32Array or Float64Array', typeof tensor.data);
  }
  if (tensor.data.length !== count) {
    throw new WeightsError(name, `${count} values for ${expected}`, `${tensor.data.length} values`);
  }
  const data = Float64Array.from(tensor.data);
  const bad = data.findIndex((value) => !Number.isFinite(value));
  if (bad >= 0) throw new WeightsError(name, 'finite values', `${data[bad]} at index ${bad}`);
  return data;
}

/**
 * Transposes a row-major rows×columns matrix.
 *
 * @example
 * ```ts
 * transpose(Float64Array.of(1, 2, 3, 4, 5, 6), 2, 3); // [1, 4, 2, 5, 3, 6]
 * ```
 */
export function transpose(matrix: Float64Array, rows: number, columns: number): Float64Array {
  const result = new Float64Array(rows * columns);
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      result[column * rows + row] = matrix[row * columns + column] ?? 0;
    }
  }
  return result;
}

/**
 * A {@link Tensor} holding a Float64Array copy of `data`.
 *
 * @example
 * ```ts
 * tensor([2], [0.5, -1]); // { shape: [2], data: Float64Array [0.5, -1] }
 * ```
 */
export function tensor(shape: number[], data: ArrayLike<number>): Tensor {
  return { shape: [...shape], data: Float64Array.from(data) };
}
