/**
 * Small dense linear algebra on row-major Float64Array matrices: Cholesky and LU factorisations with
 * their solves, products and symmetrisation. Used by the full-form filters; no explicit inverses.
 *
 * @module
 */

/** Copies `size` values of `source` starting at `offset` into a new Float64Array. */
export function slice(source: ArrayLike<number>, offset: number, size: number): Float64Array {
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) out[i] = source[offset + i] ?? 0;
  return out;
}

/** The n × n identity. */
export function identity(n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}

/** C = A B with A (rows × inner), B (inner × columns). */
export function multiply(a: Float64Array, b: Float64Array, rows: number, inner: number, columns: number) {
  const out = new Float64Array(rows * columns);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < inner; k++) {
      const aik = a[i * inner + k] ?? 0;
      if (aik === 0) continue;
      for (let j = 0; j < columns; j++)
        out[i * columns + j] = (out[i * columns + j] ?? 0) + aik * (b[k * columns + j] ?? 0);
    }
  }
  return out;
}

/** C = A Bᵀ with A (rows × inner), B (columns × inner). */
export function multiplyTransposed(
  a: Float64Array,
  b: Float64Array,
  rows: number,
  inner: number,
  columns: number,
): Float64Array {
  const out = new Float64Array(rows * columns);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < columns; j++) {
      let sum = 0;
      for (let k = 0; k < inner; k++) sum += (a[i * inner + k] ?? 0) * (b[j * inner + k] ?? 0);
      out[i * columns + j] = sum;
    }
  }
  return out;
}

/** C = Aᵀ B for square A, B (n × n). */
export function transposeMultiply(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) {
      const aki = a[k * n + i] ?? 0;
      if (aki === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] = (out[i * n + j] ?? 0) + aki * (b[k * n + j] ?? 0);
    }
  }
  return out;
}

/** y = A x with A (rows × columns). */
export function multiplyVector(
  a: Float64Array,
  x: Float64Array,
  rows: number,
  columns: number,
): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let j = 0; j < columns; j++) sum += (a[i * columns + j] ?? 0) * (x[j] ?? 0);
    out[i] = sum;
  }
  return out;
}

/** y = Aᵀ x with A (rows × columns): y has `columns` entries. */
export function multiplyTransposedVector(
  a: Float64Array,
  x: Float64Array,
  rows: number,
  columns: number,
): Float64Array {
  const out = new Float64Array(columns);
  for (let i = 0; i < rows; i++) {
    const xi = x[i] ?? 0;
    for (let j = 0; j < columns; j++) out[j] = (out[j] ?? 0) + (a[i * columns + j] ?? 0) * xi;
  }
  return out;
}

/** Aᵀ of A (rows × columns). */
export function transpose(a: Float64Array, rows: number, columns: number): Float64Array {
  const out = new Float64Array(rows * columns);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < columns; j++) out[j * rows + i] = a[i * columns + j] ?? 0;
  return out;
}

/** In place: x ← x + y (same length). Returns x. */
export function addInPlace(x: Float64Array, y: Float64Array): Float64Array {
  for (let i = 0; i < x.length; i++) x[i] = (x[i] ?? 0) + (y[i] ?? 0);
  return x;
}

/** In place: x ← x − y (same length). Returns x. */
export function subtractInPlace(x: Float64Array, y: Float64Array): Float64Array {
  for (let i = 0; i < x.length; i++) x[i] = (x[i] ?? 0) - (y[i] ?? 0);
  return x;
}

/** In place: A ← (A + Aᵀ) / 2. Returns A. */
export function symmetrizeInPlace(a: Float64Array, n: number): Float64Array {
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const mean = 0.5 * ((a[i * n + j] ?? 0) + (a[j * n + i] ?? 0));
      a[i * n + j] = mean;
      a[j * n + i] = mean;
    }
  }
  return a;
}

/**
 * The lower Cholesky factor L of a symmetric positive definite A (A = L Lᵀ), read from `a` at `offset`;
 * `null` when A is not (numerically) positive definite.
 */
export function cholesky(a: ArrayLike<number>, n: number, offset = 0): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let diagonal = a[offset + j * n + j] ?? 0;
    for (let k = 0; k < j; k++) diagonal -= (l[j * n + k] ?? 0) ** 2;
    if (!(diagonal > 0)) return null;
    const ljj = Math.sqrt(diagonal);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let sum = a[offset + i * n + j] ?? 0;
      for (let k = 0; k < j; k++) sum -= (l[i * n + k] ?? 0) * (l[j * n + k] ?? 0);
      l[i * n + j] = sum / ljj;
    }
  }
  return l;
}

/** In place: B ← (L Lᵀ)⁻¹ B for B (n × columns), by forward and back substitution. Returns B. */
export function choleskySolveInPlace(
  l: Float64Array,
  n: number,
  b: Float64Array,
  columns: number,
): Float64Array {
  for (let c = 0; c < columns; c++) {
    for (let i = 0; i < n; i++) {
      let sum = b[i * columns + c] ?? 0;
      for (let k = 0; k < i; k++) sum -= (l[i * n + k] ?? 0) * (b[k * columns + c] ?? 0);
      b[i * columns + c] = sum / (l[i * n + i] ?? 1);
    }
    for (let i = n - 1; i >= 0; i--) {
      let sum = b[i * columns + c] ?? 0;
      for (let k = i + 1; k < n; k++) sum -= (l[k * n + i] ?? 0) * (b[k * columns + c] ?? 0);
      b[i * columns + c] = sum / (l[i * n + i] ?? 1);
    }
  }
  return b;
}

/** log det(L Lᵀ) = 2 Σ log L_ii. */
export function choleskyLogDeterminant(l: Float64Array, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.log(l[i * n + i] ?? 1);
  return 2 * sum;
}

/** An LU factorisation with partial pivoting: P A = L U, L unit lower, both packed in `lu`. */
export interface LuFactorisation {
  readonly lu: Float64Array;
  /** Row i of P A is row `pivots[i]` of A. */
  readonly pivots: Int32Array;
  readonly n: number;
}

/** LU with partial pivoting of A (n × n); exact zero pivots are left as is (solves then give ±∞/NaN). */
export function luFactor(a: Float64Array, n: number): LuFactorisation {
  const lu = Float64Array.from(a);
  const pivots = new Int32Array(n);
  for (let i = 0; i < n; i++) pivots[i] = i;
  for (let k = 0; k < n; k++) {
    let best = k;
    let bestValue = Math.abs(lu[k * n + k] ?? 0);
    for (let i = k + 1; i < n; i++) {
      const value = Math.abs(lu[i * n + k] ?? 0);
      if (value > bestValue) {
        best = i;
        bestValue = value;
      }
    }
    if (best !== k) {
      for (let j = 0; j < n; j++) {
        const swap = lu[k * n + j] ?? 0;
        lu[k * n + j] = lu[best * n + j] ?? 0;
        lu[best * n + j] = swap;
      }
      const swap = pivots[k] ?? k;
      pivots[k] = pivots[best] ?? best;
      pivots[best] = swap;
    }
    const pivot = lu[k * n + k] ?? 0;
    if (pivot === 0) continue;
    for (let i = k + 1; i < n; i++) {
      const factor = (lu[i * n + k] ?? 0) / pivot;
      lu[i * n + k] = factor;
      if (factor === 0) continue;
      for (let j = k + 1; j < n; j++) lu[i * n + j] = (lu[i * n + j] ?? 0) - factor * (lu[k * n + j] ?? 0);
    }
  }
  return { lu, pivots, n };
}

/** X = A⁻¹ B for B (n × columns), from A's LU factorisation (a new array). */
export function luSolve(factor: LuFactorisation, b: Float64Array, columns: number): Float64Array {
  const { lu, pivots, n } = factor;
  const x = new Float64Array(n * columns);
  for (let i = 0; i < n; i++) {
    const row = pivots[i] ?? i;
    for (let c = 0; c < columns; c++) x[i * columns + c] = b[row * columns + c] ?? 0;
  }
  for (let c = 0; c < columns; c++) {
    for (let i = 0; i < n; i++) {
      let sum = x[i * columns + c] ?? 0;
      for (let k = 0; k < i; k++) sum -= (lu[i * n + k] ?? 0) * (x[k * columns + c] ?? 0);
      x[i * columns + c] = sum;
    }
    for (let i = n - 1; i >= 0; i--) {
      let sum = x[i * columns + c] ?? 0;
      for (let k = i + 1; k < n; k++) sum -= (lu[i * n + k] ?? 0) * (x[k * columns + c] ?? 0);
      x[i * columns + c] = sum / (lu[i * n + i] ?? 1);
    }
  }
  return x;
}

/** X = A⁻ᵀ B for B (n × columns), from A's LU factorisation: Uᵀ Lᵀ P X = B (a new array). */
export function luSolveTransposed(factor: LuFactorisation, b: Float64Array, columns: number): Float64Array {
  const { lu, pivots, n } = factor;
  const z = Float64Array.from(b);
  for (let c = 0; c < columns; c++) {
    for (let i = 0; i < n; i++) {
      let sum = z[i * columns + c] ?? 0;
      for (let k = 0; k < i; k++) sum -= (lu[k * n + i] ?? 0) * (z[k * columns + c] ?? 0);
      z[i * columns + c] = sum / (lu[i * n + i] ?? 1);
    }
    for (let i = n - 1; i >= 0; i--) {
      let sum = z[i * columns + c] ?? 0;
      for (let k = i + 1; k < n; k++) sum -= (lu[k * n + i] ?? 0) * (z[k * columns + c] ?? 0);
      z[i * columns + c] = sum;
    }
  }
  const x = new Float64Array(n * columns);
  for (let i = 0; i < n; i++) {
    const row = pivots[i] ?? i;
    for (let c = 0; c < columns; c++) x[row * columns + c] = z[i * columns + c] ?? 0;
  }
  return x;
}
