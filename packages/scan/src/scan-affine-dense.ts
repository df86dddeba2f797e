import { type AffineScanOptions, type FloatArray, validateAffineScanInput } from './affine-scan-input.ts';

/**
 * Dense affine recurrence over [batch, length, dim]: for every sequence
 *
 *   x_t = A_t x_{t-1} + b_t,   t = 1..T,   x_0 = `x0` (default 0)
 *
 * with A_t of shape [dim, dim] stored row-major in `a` ([batch, length, dim, dim]; `A[i][j]` multiplies x_j
 * into component i). With `reverse`, x_t = A_t x_{t+1} + b_t for t = T..1 and x_{T+1} = `x0` (pass the
 * transposed matrices for an adjoint). This is the linear recurrence of each DEER Newton step (Lim et al.,
 * ICLR 2024); its associative form is {@link affineDenseOperator}.
 *
 * The CPU evaluation is the sequential recurrence (O(T D²) work, the most accurate order). Each matrix-vector
 * product is accumulated in double precision and the state is rounded to the arrays' precision once per step.
 *
 * @returns `out` (or a new array of the type of `a`), [batch, length, dim], holding x_1..x_T.
 * @throws {@link ScanInputError} for non-positive or non-integer sizes, mixed array types or wrong lengths.
 *
 * @example
 * ```ts
 * // A rotation by 90° applied to x_0 = (1, 0), twice, with b = 0: (0, 1), then (-1, 0)
 * scanAffineDense({
 *   a: Float64Array.of(0, -1, 1, 0, 0, -1, 1, 0), b: new Float64Array(4), x0: Float64Array.of(1, 0),
 *   batch: 1, length: 2, dim: 2,
 * }); // Float64Array [0, 1, -1, 0]
 * ```
 */
export function scanAffineDense(options: AffineScanOptions<Float32Array>): Float32Array;
export function scanAffineDense(options: AffineScanOptions<Float64Array>): Float64Array;
export function scanAffineDense(options: AffineScanOptions<FloatArray>): FloatArray;
export function scanAffineDense(options: AffineScanOptions<FloatArray>): FloatArray {
  const { batch, length, dim } = validateAffineScanInput(options, true);
  const { a, b, x0, reverse = false } = options;
  const out =
    options.out ?? (a instanceof Float32Array ? new Float32Array(b.length) : new Float64Array(b.length));
  const sequenceSize = length * dim;
  for (let n = 0; n < batch; n++) {
    const sequenceStart = n * sequenceSize;
    const first = reverse ? sequenceStart + sequenceSize - dim : sequenceStart;
    const step = reverse ? -dim : dim;
    // `previous` indexes the state x_{t-1} (in `x0` at the first step, else in `out`).
    let previous = n * dim;
    let source: FloatArray | undefined = x0;
    let current = first;
    for (let t = 0; t < length; t++) {
      if (source === undefined) {
        for (let i = 0; i < dim; i++) out[current + i] = b[current + i] as number;
      } else {
        // Element (n, t, i) of b sits at `current + i`; its matrix row starts at (current + i) · dim.
        for (let i = 0; i < dim; i++) {
          const row = (current + i) * dim;
          let sum = b[current + i] as number;
          for (let j = 0; j < dim; j++) sum += (a[row + j] as number) * (source[previous + j] as number);
          out[current + i] = sum;
        }
      }
      source = out;
      previous = current;
      current += step;
    }
  }
  return out;
}
