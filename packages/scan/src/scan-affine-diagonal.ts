import { type AffineScanOptions, type FloatArray, validateAffineScanInput } from './affine-scan-input.ts';
import { compensatedDiagonalRecurrence } from './compensated-diagonal-recurrence.ts';

/** Options of {@link scanAffineDiagonal}: the affine scan inputs plus the accumulation mode. */
export interface AffineDiagonalScanOptions<Array extends FloatArray> extends AffineScanOptions<Array> {
  /**
   * Carry each state's rounding error in a double-precision residual and evaluate every step with
   * error-free transformations (TwoProduct, TwoSum), so that the stored x_t stay within about one rounding
   * of the exact recurrence however long the scan, at 1–2.5× the time of the plain scan. Default `false`.
   */
  compensated?: boolean;
}

/**
 * Diagonal affine recurrence over [batch, length, dim]: for every sequence and every state component
 *
 *   x_t = a_t ⊙ x_{t-1} + b_t,   t = 1..T,   x_0 = `x0` (default 0)
 *
 * or, with `reverse`, x_t = a_t ⊙ x_{t+1} + b_t for t = T..1 with x_{T+1} = `x0` (the adjoint and smoother
 * direction). This is the scan of quasi-DEER (Gonzalez et al., NeurIPS 2024) and of linear RNNs; its
 * associative form is {@link affineDiagonalOperator}.
 *
 * The CPU evaluation is the sequential recurrence, the most accurate order: one multiply-add per element,
 * computed in double precision and rounded to the arrays' precision once per step (so a Float32Array scan
 * carries an f32 state, as a GPU scan does). Inner loops run over the contiguous `dim` axis. Its error is at
 * most ε·S_t with S_t = |a_t| S_{t-1} + |a_t x_{t-1}| + |b_t|; `compensated: true` reduces it to about
 * one rounding of x_t.
 *
 * @returns `out` (or a new array of the type of `a`), [batch, length, dim], holding x_1..x_T.
 * @throws {@link ScanInputError} for non-positive or non-integer sizes, mixed array types or wrong lengths.
 *
 * @example
 * ```ts
 * // x_t = 0.5 x_{t-1} + 1 from x_0 = 0: 1, 1.5, 1.75
 * scanAffineDiagonal({
 *   a: Float64Array.of(0.5, 0.5, 0.5), b: Float64Array.of(1, 1, 1), batch: 1, length: 3, dim: 1,
 * }); // Float64Array [1, 1.5, 1.75]
 * ```
 */
export function scanAffineDiagonal(options: AffineDiagonalScanOptions<Float32Array>): Float32Array;
export function scanAffineDiagonal(options: AffineDiagonalScanOptions<Float64Array>): Float64Array;
export function scanAffineDiagonal(options: AffineDiagonalScanOptions<FloatArray>): FloatArray;
export function scanAffineDiagonal(options: AffineDiagonalScanOptions<FloatArray>): FloatArray {
  const { batch, length, dim } = validateAffineScanInput(options, false);
  const { a, b, x0, reverse = false, compensated = false } = options;
  const out =
    options.out ?? (a instanceof Float32Array ? new Float32Array(b.length) : new Float64Array(b.length));
  const sequenceSize = length * dim;
  const carry = compensated ? new Float64Array(dim) : undefined;
  for (let n = 0; n < batch; n++) {
    const sequenceStart = n * sequenceSize;
    // First step: from x0 (or zero).
    const first = reverse ? sequenceStart + sequenceSize - dim : sequenceStart;
    if (carry !== undefined) {
      compensatedDiagonalRecurrence(a, b, out, carry, first, reverse ? -dim : dim, length, dim, x0, n * dim);
      continue;
    }
    if (x0 === undefined) {
      for (let d = 0; d < dim; d++) out[first + d] = b[first + d] as number;
    } else {
      const initial = n * dim;
      for (let d = 0; d < dim; d++) {
        out[first + d] = (a[first + d] as number) * (x0[initial + d] as number) + (b[first + d] as number);
      }
    }
    // Remaining steps: x_t from the previous state stored in `out`, `step` elements away.
    const step = reverse ? -dim : dim;
    let previous = first;
    for (let t = 1; t < length; t++) {
      const current = previous + step;
      for (let d = 0; d < dim; d++) {
        const i = current + d;
        out[i] = (a[i] as number) * (out[previous + d] as number) + (b[i] as number);
      }
      previous = current;
    }
  }
  return out;
}
