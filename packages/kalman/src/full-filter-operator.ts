import type { ScanOperator } from '@elk/scan';
import {
  addInPlace,
  identity,
  luFactor,
  luSolve,
  luSolveTransposed,
  multiply,
  multiplyTransposed,
  multiplyTransposedVector,
  multiplyVector,
  subtractInPlace,
  symmetrizeInPlace,
  transpose,
  transposeMultiply,
} from './dense-linear-algebra.ts';
import { KalmanShapeError } from './errors.ts';
import { wgslFullFilterFunctions } from './full-filter-wgsl.ts';
import { describe } from './parameter.ts';

/**
 * The largest state dimension for which the full-form operators generate WGSL (their elements live in
 * registers/private memory: 3·D² + 2·D floats per filter element, and the combination solves D × D systems
 * in each invocation). Larger dimensions run on the CPU only.
 *
 * @example
 * ```ts
 * if (dim <= MAX_FULL_WGSL_DIM) compile(fullFilterOperator(dim).wgsl);
 * ```
 */
export const MAX_FULL_WGSL_DIM = 8;

/**
 * One element of the parallel Kalman filter (Särkkä & García-Fernández, IEEE TAC 2021, eq. 10–12):
 * p(s_t | s_{t-1}, y_t) = N(s_t; A s_{t-1} + b, C) and p(y_t | s_{t-1}) ∝ N_I(s_{t-1}; η, J).
 * Matrices are D × D row-major, vectors length D, all Float64Array.
 *
 * @example
 * ```ts
 * const element: FullFilterElement = fullFilterOperator(2).identity();
 * ```
 */
export interface FullFilterElement {
  A: Float64Array;
  b: Float64Array;
  C: Float64Array;
  eta: Float64Array;
  J: Float64Array;
}

/**
 * The filter combination (the paper's eq. 13–15), `earlier` = element i, `later` = element j, with
 * M = I + C_i J_j (never inverted: one LU factorisation, solves with M and Mᵀ):
 * A = A_j M⁻¹ A_i, b = A_j M⁻¹ (b_i + C_i η_j) + b_j, C = A_j M⁻¹ C_i A_jᵀ + C_j,
 * η = A_iᵀ M⁻ᵀ (η_j − J_j b_i) + η_i, J = A_iᵀ M⁻ᵀ J_j A_i + J_i (using (I + J_j C_i) = Mᵀ).
 * C and J are symmetrised. Works for any D (given by `b.length`).
 *
 * @example
 * ```ts
 * const combined = combineFullFilterElements(first, second); // first applied, then second
 * ```
 */
export function combineFullFilterElements(
  earlier: FullFilterElement,
  later: FullFilterElement,
): FullFilterElement {
  const D = earlier.b.length;
  const M = addInPlace(identity(D), multiply(earlier.C, later.J, D, D, D));
  const factor = luFactor(M, D);
  // X = A_j M⁻¹, from Mᵀ Xᵀ = A_jᵀ.
  const X = transpose(luSolveTransposed(factor, transpose(later.A, D, D), D), D, D);
  // W = M⁻¹ A_i, so A_iᵀ M⁻ᵀ = Wᵀ.
  const W = luSolve(factor, earlier.A, D);
  const meanTerm = addInPlace(Float64Array.from(earlier.b), multiplyVector(earlier.C, later.eta, D, D));
  const informationTerm = subtractInPlace(
    Float64Array.from(later.eta),
    multiplyVector(later.J, earlier.b, D, D),
  );
  return {
    A: multiply(X, earlier.A, D, D, D),
    b: addInPlace(multiplyVector(X, meanTerm, D, D), later.b),
    C: symmetrizeInPlace(
      addInPlace(multiplyTransposed(multiply(X, earlier.C, D, D, D), later.A, D, D, D), later.C),
      D,
    ),
    eta: addInPlace(multiplyTransposedVector(W, informationTerm, D, D), earlier.eta),
    J: symmetrizeInPlace(
      addInPlace(transposeMultiply(W, multiply(later.J, earlier.A, D, D, D), D), earlier.J),
      D,
    ),
  };
}

/** Checks an operator dimension: an integer in 1..MAX_FULL_WGSL_DIM. */
export function checkWgslDim(dim: number): void {
  if (!Number.isInteger(dim) || dim < 1 || dim > MAX_FULL_WGSL_DIM) {
    throw new KalmanShapeError(
      'dim',
      `an integer from 1 to MAX_FULL_WGSL_DIM = ${MAX_FULL_WGSL_DIM}`,
      describe(dim),
    );
  }
}

/**
 * The full-form filter combination for state dimension `dim` as a {@link ScanOperator} with generated WGSL
 * (f32). The WGSL element is `struct KalmanFullFilterElement<dim> { A: array<f32, dim²>, b: array<f32, dim>,
 * C: array<f32, dim²>, eta: array<f32, dim>, J: array<f32, dim²> }` (row-major, tightly packed: usable
 * directly as a storage-buffer array element); functions are `kalman_full_filter_combine_<dim>` and
 * `kalman_full_filter_identity_<dim>` (A = I, the rest 0), plus the helper `kalman_full_solve_<dim>`
 * (Gaussian elimination with partial pivoting) declared in the combine's code.
 *
 * @param dim - the state dimension, 1..{@link MAX_FULL_WGSL_DIM}.
 * @throws {@link KalmanShapeError} for any other `dim`.
 *
 * @example
 * ```ts
 * import { associativeScan } from '@elk/scan';
 * const filtered = associativeScan(fullFilterOperator(3), elements); // filtered[t].b, filtered[t].C
 * ```
 */
export function fullFilterOperator(dim: number): ScanOperator<FullFilterElement> {
  checkWgslDim(dim);
  const wgsl = wgslFullFilterFunctions(dim);
  return {
    name: `kalman-full-filter-${dim}`,
    combine: combineFullFilterElements,
    identity: () => ({
      A: identity(dim),
      b: new Float64Array(dim),
      C: new Float64Array(dim * dim),
      eta: new Float64Array(dim),
      J: new Float64Array(dim * dim),
    }),
    wgsl,
  };
}
