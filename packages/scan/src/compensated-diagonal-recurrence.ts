import type { FloatArray } from './affine-scan-input.ts';

/** Veltkamp's splitting constant 2^27 + 1 for binary64. */
const splitter = 134_217_729;

/**
 * The diagonal recurrence x_t = a_t x_{t∓1} + b_t of one sequence with compensated accumulation: the state is
 * carried as the stored value s (in the array's precision) plus a double-precision residual c, and every
 * step is evaluated with error-free transformations (Dekker's TwoProduct for a·s, Knuth's TwoSum for + b)
 * before rounding: s_t + c_t = a_t (s_{t-1} + c_{t-1}) + b_t up to O(ε64²) per step. The stored outputs are
 * then within about one rounding of the exact x_t, instead of the ε·Σ|terms| of the plain recurrence.
 *
 * Writes `out[first + k·step + d]` for k = 0..length-1, d = 0..dim-1; `carry` is scratch of length `dim`.
 */
export function compensatedDiagonalRecurrence(
  a: FloatArray,
  b: FloatArray,
  out: FloatArray,
  carry: Float64Array,
  first: number,
  step: number,
  length: number,
  dim: number,
  initial: ArrayLike<number> | undefined,
  initialOffset: number,
): void {
  let previous = -1;
  for (let t = 0; t < length; t++) {
    const current = first + t * step;
    for (let d = 0; d < dim; d++) {
      const i = current + d;
      const coefficient = a[i] as number;
      const offset = b[i] as number;
      let stored: number;
      let residual: number;
      if (previous < 0) {
        stored = initial === undefined ? 0 : (initial[initialOffset + d] as number);
        residual = 0;
      } else {
        stored = out[previous + d] as number;
        residual = carry[d] as number;
      }
      // TwoProduct: product + productError = coefficient · stored exactly.
      const product = coefficient * stored;
      let scaled = splitter * coefficient;
      const coefficientHigh = scaled - (scaled - coefficient);
      const coefficientLow = coefficient - coefficientHigh;
      scaled = splitter * stored;
      const storedHigh = scaled - (scaled - stored);
      const storedLow = stored - storedHigh;
      const productError =
        coefficientHigh * storedHigh -
        product +
        coefficientHigh * storedLow +
        coefficientLow * storedHigh +
        coefficientLow * storedLow;
      // TwoSum: sum + sumError = product + offset exactly.
      const sum = product + offset;
      const virtualOffset = sum - product;
      const sumError = product - (sum - virtualOffset) + (offset - virtualOffset);
      const low = productError + sumError + coefficient * residual;
      out[i] = sum + low;
      carry[d] = sum - (out[i] as number) + low;
    }
    previous = current;
  }
}
