import type { ScanOperator } from '@elk/scan';

/**
 * One element of the parallel RTS smoother for a scalar model (Särkkä & García-Fernández, IEEE TAC 2021,
 * section IV with 1 × 1 matrices): the conditional p(s_t | s_{t+1}, y_{1:t}) = N(s_t; E s_{t+1} + g, L).
 *
 * @example
 * ```ts
 * const element: DiagonalSmootherElement = { E: 0.4, g: 1, L: 0.2 };
 * ```
 */
export interface DiagonalSmootherElement {
  E: number;
  g: number;
  L: number;
}

/**
 * The scalar smoother combination: the composition of affine Gaussian maps, applying `earlier` (the
 * element nearer the end of the sequence, in a reverse scan) first:
 * E = E_later E_earlier, g = E_later g_earlier + g_later, L = E_later² L_earlier + L_later.
 *
 * @example
 * ```ts
 * combineDiagonalSmootherElements({ E: 0, g: 2, L: 1 }, { E: 0.5, g: 1, L: 0.1 }); // { E: 0, g: 2, L: 0.35 }
 * ```
 */
export function combineDiagonalSmootherElements(
  earlier: DiagonalSmootherElement,
  later: DiagonalSmootherElement,
): DiagonalSmootherElement {
  return {
    E: later.E * earlier.E,
    g: later.E * earlier.g + later.g,
    L: later.E * later.E * earlier.L + later.L,
  };
}

const smootherCombineWgsl = /* wgsl */ `struct KalmanDiagonalSmootherElement {
  E: f32,
  g: f32,
  L: f32,
}

fn kalman_diagonal_smoother_combine(earlier: KalmanDiagonalSmootherElement, later: KalmanDiagonalSmootherElement) -> KalmanDiagonalSmootherElement {
  var out: KalmanDiagonalSmootherElement;
  out.E = later.E * earlier.E;
  out.g = later.E * earlier.g + later.g;
  out.L = later.E * later.E * earlier.L + later.L;
  return out;
}
`;

const smootherIdentityWgsl = /* wgsl */ `fn kalman_diagonal_smoother_identity() -> KalmanDiagonalSmootherElement {
  return KalmanDiagonalSmootherElement(1.0, 0.0, 0.0);
}
`;

/**
 * The scalar parallel-smoother combination as a {@link ScanOperator} with its WGSL twin (f32), for a
 * **reverse** scan. The WGSL element is `struct KalmanDiagonalSmootherElement { E, g, L: f32 }` (12 bytes);
 * the identity is (E, g, L) = (1, 0, 0). Reverse-scanning the elements of {@link diagonalSmootherElements}
 * gives the smoothed mean g and variance L at every step.
 *
 * @example
 * ```ts
 * import { associativeScan } from '@elk/scan';
 * const suffixes = associativeScan(diagonalSmootherOperator, elements, { reverse: true });
 * const smoothedMean = suffixes[t].g, smoothedVariance = suffixes[t].L;
 * ```
 */
export const diagonalSmootherOperator: ScanOperator<DiagonalSmootherElement> = {
  name: 'kalman-diagonal-smoother',
  combine: combineDiagonalSmootherElements,
  identity: () => ({ E: 1, g: 0, L: 0 }),
  wgsl: {
    elementType: 'KalmanDiagonalSmootherElement',
    combine: { name: 'kalman_diagonal_smoother_combine', code: smootherCombineWgsl },
    identity: { name: 'kalman_diagonal_smoother_identity', code: smootherIdentityWgsl },
  },
};
