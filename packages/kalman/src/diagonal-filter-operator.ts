import type { ScanOperator } from '@elk/scan';

/**
 * One element of the parallel Kalman filter for a scalar model (Särkkä & García-Fernández, "Temporal
 * Parallelization of Bayesian Smoothers", IEEE TAC 2021, eq. 9–12 with 1 × 1 matrices). It represents
 * the conditional density p(s_t | s_{t-1}, y_t) = N(s_t; A s_{t-1} + b, C) together with the likelihood
 * p(y_t | s_{t-1}) ∝ N_I(s_{t-1}; η, J) in information form.
 *
 * @example
 * ```ts
 * const element: DiagonalFilterElement = { A: 0.5, b: 1, C: 0.2, eta: 0.1, J: 0.3 };
 * ```
 */
export interface DiagonalFilterElement {
  A: number;
  b: number;
  C: number;
  eta: number;
  J: number;
}

/**
 * The scalar filter combination (the paper's eq. 13–15 with 1 × 1 matrices); `earlier` is element i,
 * `later` element j, and with d = 1 + C_i J_j:
 * A = A_j A_i / d, b = A_j (b_i + C_i η_j) / d + b_j, C = A_j² C_i / d + C_j,
 * η = A_i (η_j − J_j b_i) / d + η_i, J = A_i² J_j / d + J_i.
 *
 * @example
 * ```ts
 * combineDiagonalFilterElements({ A: 1, b: 0, C: 0, eta: 0, J: 0 }, element); // equals element
 * ```
 */
export function combineDiagonalFilterElements(
  earlier: DiagonalFilterElement,
  later: DiagonalFilterElement,
): DiagonalFilterElement {
  const denominator = 1 + earlier.C * later.J;
  return {
    A: (later.A * earlier.A) / denominator,
    b: (later.A * (earlier.b + earlier.C * later.eta)) / denominator + later.b,
    C: (later.A * later.A * earlier.C) / denominator + later.C,
    eta: (earlier.A * (later.eta - later.J * earlier.b)) / denominator + earlier.eta,
    J: (earlier.A * earlier.A * later.J) / denominator + earlier.J,
  };
}

const filterCombineWgsl = /* wgsl */ `struct KalmanDiagonalFilterElement {
  A: f32,
  b: f32,
  C: f32,
  eta: f32,
  J: f32,
}

fn kalman_diagonal_filter_combine(earlier: KalmanDiagonalFilterElement, later: KalmanDiagonalFilterElement) -> KalmanDiagonalFilterElement {
  let denominator = 1.0 + earlier.C * later.J;
  var out: KalmanDiagonalFilterElement;
  out.A = later.A * earlier.A / denominator;
  out.b = later.A * (earlier.b + earlier.C * later.eta) / denominator + later.b;
  out.C = later.A * later.A * earlier.C / denominator + later.C;
  out.eta = earlier.A * (later.eta - later.J * earlier.b) / denominator + earlier.eta;
  out.J = earlier.A * earlier.A * later.J / denominator + earlier.J;
  return out;
}
`;

const filterIdentityWgsl = /* wgsl */ `fn kalman_diagonal_filter_identity() -> KalmanDiagonalFilterElement {
  return KalmanDiagonalFilterElement(1.0, 0.0, 0.0, 0.0, 0.0);
}
`;

/**
 * The scalar parallel-filter combination as a {@link ScanOperator} with its WGSL twin (f32). The WGSL
 * element is `struct KalmanDiagonalFilterElement { A, b, C, eta, J: f32 }` (20 bytes, 4-byte aligned);
 * the identity is (A, b, C, η, J) = (1, 0, 0, 0, 0). Scanning the elements of
 * {@link diagonalFilterElements} forward gives the filtered mean b and variance C at every step.
 *
 * @example
 * ```ts
 * import { associativeScan } from '@elk/scan';
 * const prefixes = associativeScan(diagonalFilterOperator, elements);
 * const filteredMean = prefixes[t].b, filteredVariance = prefixes[t].C;
 * ```
 */
export const diagonalFilterOperator: ScanOperator<DiagonalFilterElement> = {
  name: 'kalman-diagonal-filter',
  combine: combineDiagonalFilterElements,
  identity: () => ({ A: 1, b: 0, C: 0, eta: 0, J: 0 }),
  wgsl: {
    elementType: 'KalmanDiagonalFilterElement',
    combine: { name: 'kalman_diagonal_filter_combine', code: filterCombineWgsl },
    identity: { name: 'kalman_diagonal_filter_identity', code: filterIdentityWgsl },
  },
};
