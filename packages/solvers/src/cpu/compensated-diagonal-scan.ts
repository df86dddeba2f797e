import type { FloatArray } from '@elk/cells';

/**
 * The diagonal affine recurrence x_t = a_t ⊙ x_{t−1} + b_t (t = 1..T, x_0 = 0) of one sequence, [T, D], with a
 * compensated carry: the running state is kept as an unevaluated sum hi + lo of two values of the arrays'
 * precision (the error-free TwoSum/TwoProd idea: lo holds the rounding error of hi), and only the output is
 * rounded. A Float32Array scan then carries roughly twice f32's significand between steps, as a GPU kernel
 * with FMA-based TwoProd/TwoSum would. On Float64Array data it is the plain recurrence.
 *
 * @example
 * ```ts
 * const out = new Float32Array(3);
 * compensatedDiagonalScan(Float32Array.of(0.5, 0.5, 0.5), Float32Array.of(1, 1, 1), 3, 1, out); // 1, 1.5, 1.75
 * ```
 */
export function compensatedDiagonalScan(
  a: FloatArray,
  b: FloatArray,
  length: number,
  dim: number,
  out: FloatArray,
  carryLow: Float64Array,
): void {
  const round = out instanceof Float32Array ? Math.fround : (value: number) => value;
  carryLow.fill(0, 0, dim);
  for (let d = 0; d < dim; d++) out[d] = b[d] as number;
  for (let t = 1; t < length; t++) {
    const current = t * dim;
    const previous = current - dim;
    for (let d = 0; d < dim; d++) {
      const i = current + d;
      const slope = a[i] as number;
      const exact =
        slope * (out[previous + d] as number) + (slope * (carryLow[d] as number) + (b[i] as number));
      const high = round(exact);
      out[i] = high;
      carryLow[d] = round(exact - high);
    }
  }
}
