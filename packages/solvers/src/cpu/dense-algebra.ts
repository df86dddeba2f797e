/**
 * Small dense linear algebra on row-major D × D blocks of Float64Array scratch, for the ELK step.
 *
 * @module
 */

/**
 * In-place Cholesky factorisation M = L Lᵀ of the symmetric positive-definite D × D block at `offset`;
 * the lower triangle receives L. Returns false when a pivot is not positive.
 */
export function choleskyInPlace(matrix: Float64Array, offset: number, dim: number): boolean {
  for (let j = 0; j < dim; j++) {
    const rowJ = offset + j * dim;
    let diagonal = matrix[rowJ + j] as number;
    for (let k = 0; k < j; k++) {
      const value = matrix[rowJ + k] as number;
      diagonal -= value * value;
    }
    if (!(diagonal > 0)) return false;
    const pivot = Math.sqrt(diagonal);
    matrix[rowJ + j] = pivot;
    for (let i = j + 1; i < dim; i++) {
      const rowI = offset + i * dim;
      let sum = matrix[rowI + j] as number;
      for (let k = 0; k < j; k++) sum -= (matrix[rowI + k] as number) * (matrix[rowJ + k] as number);
      matrix[rowI + j] = sum / pivot;
    }
  }
  return true;
}

/** Solves L Lᵀ x = v in place in `vector` (length D), with the factor from {@link choleskyInPlace}. */
export function choleskySolveInPlace(
  factor: Float64Array,
  offset: number,
  dim: number,
  vector: Float64Array,
): void {
  for (let i = 0; i < dim; i++) {
    const row = offset + i * dim;
    let sum = vector[i] as number;
    for (let k = 0; k < i; k++) sum -= (factor[row + k] as number) * (vector[k] as number);
    vector[i] = sum / (factor[row + i] as number);
  }
  for (let i = dim - 1; i >= 0; i--) {
    let sum = vector[i] as number;
    for (let k = i + 1; k < dim; k++) sum -= (factor[offset + k * dim + i] as number) * (vector[k] as number);
    vector[i] = sum / (factor[offset + i * dim + i] as number);
  }
}
