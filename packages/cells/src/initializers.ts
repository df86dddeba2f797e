/**
 * Weight initialisers matching flax's and PyTorch's defaults, driven by a seeded {@link Random}.
 *
 * @module
 */
import type { Random } from './random.ts';

/**
 * The standard deviation of a unit normal truncated to [-2, 2]; flax divides by it so that a truncated
 * sample keeps the requested variance (`jax.nn.initializers.variance_scaling`).
 *
 * @example
 * ```ts
 * const scale = Math.sqrt(1 / fanIn) / TRUNCATED_NORMAL_STDDEV; // lecun_normal's scale
 * ```
 */
export const TRUNCATED_NORMAL_STDDEV = 0.8796256610342398;

/**
 * flax's `lecun_normal`: a [fanIn, fanOut] kernel (row-major) with entries from a normal truncated at ±2
 * standard deviations, scaled to variance 1/fanIn.
 *
 * @example
 * ```ts
 * const kernel = lecunNormal(createRandom(0), 3, 8); // Float64Array of 24, variance ≈ 1/3
 * ```
 */
export function lecunNormal(random: Random, fanIn: number, fanOut: number): Float64Array {
  const scale = Math.sqrt(1 / fanIn) / TRUNCATED_NORMAL_STDDEV;
  const kernel = new Float64Array(fanIn * fanOut);
  for (let index = 0; index < kernel.length; index++) kernel[index] = scale * random.truncatedNormal();
  return kernel;
}

/**
 * flax's `orthogonal` for a square n×n kernel: Q of the QR factorisation of a Gaussian matrix, with
 * the signs fixed so that diag(R) > 0 (Mezzadri 2007), i.e. a Haar-distributed orthogonal matrix.
 * Computed by Gram–Schmidt with re-orthogonalisation, which yields that positive-diagonal QR directly.
 *
 * @example
 * ```ts
 * const q = orthogonal(createRandom(0), 4); // Float64Array of 16 with qᵀq = I
 * ```
 */
export function orthogonal(random: Random, size: number): Float64Array {
  for (;;) {
    const matrix = random.fillNormal(new Float64Array(size * size));
    if (gramSchmidtColumns(matrix, size)) return matrix;
  }
}

/** Orthonormalises the columns of a row-major n×n matrix in place; false when it is (nearly) singular. */
function gramSchmidtColumns(matrix: Float64Array, size: number): boolean {
  for (let column = 0; column < size; column++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let previous = 0; previous < column; previous++) {
        let dot = 0;
        for (let row = 0; row < size; row++) {
          dot += (matrix[row * size + previous] ?? 0) * (matrix[row * size + column] ?? 0);
        }
        for (let row = 0; row < size; row++) {
          const at = row * size + column;
          matrix[at] = (matrix[at] ?? 0) - dot * (matrix[row * size + previous] ?? 0);
        }
      }
    }
    let norm = 0;
    for (let row = 0; row < size; row++) norm += (matrix[row * size + column] ?? 0) ** 2;
    norm = Math.sqrt(norm);
    if (!(norm > 1e-10)) return false;
    for (let row = 0; row < size; row++) {
      const at = row * size + column;
      matrix[at] = (matrix[at] ?? 0) / norm;
    }
  }
  return true;
}

/**
 * PyTorch's default RNN initialisation: every entry from U(-1/√hidden, 1/√hidden).
 *
 * @example
 * ```ts
 * const weight = torchUniform(createRandom(0), 12, 4); // 12 entries in [-0.5, 0.5)
 * ```
 */
export function torchUniform(random: Random, count: number, hidden: number): Float64Array {
  const bound = 1 / Math.sqrt(hidden);
  return random.fillUniform(new Float64Array(count), -bound, bound);
}
