import type { ScanOperator } from '@elk/scan';
import {
  addInPlace,
  identity,
  multiply,
  multiplyTransposed,
  multiplyVector,
  symmetrizeInPlace,
} from './dense-linear-algebra.ts';
import { checkWgslDim } from './full-filter-operator.ts';

/**
 * One element of the parallel RTS smoother (Särkkä & García-Fernández, IEEE TAC 2021, eq. 23–24):
 * p(s_t | s_{t+1}, y_{1:t}) = N(s_t; E s_{t+1} + g, L). E and L are D × D row-major, g has length D.
 *
 * @example
 * ```ts
 * const element: FullSmootherElement = fullSmootherOperator(2).identity();
 * ```
 */
export interface FullSmootherElement {
  E: Float64Array;
  g: Float64Array;
  L: Float64Array;
}

/**
 * The smoother combination (the paper's eq. 25), composition of affine Gaussian maps applying `earlier`
 * (nearer the end of the sequence, in a reverse scan) first: E = E_l E_e, g = E_l g_e + g_l,
 * L = E_l L_e E_lᵀ + L_l (symmetrised). Works for any D (given by `g.length`).
 *
 * @example
 * ```ts
 * const combined = combineFullSmootherElements(nearerEnd, nearerStart);
 * ```
 */
export function combineFullSmootherElements(
  earlier: FullSmootherElement,
  later: FullSmootherElement,
): FullSmootherElement {
  const D = earlier.g.length;
  return {
    E: multiply(later.E, earlier.E, D, D, D),
    g: addInPlace(multiplyVector(later.E, earlier.g, D, D), later.g),
    L: symmetrizeInPlace(
      addInPlace(multiplyTransposed(multiply(later.E, earlier.L, D, D, D), later.E, D, D, D), later.L),
      D,
    ),
  };
}

/**
 * The full-form smoother combination for state dimension `dim` as a {@link ScanOperator} with generated
 * WGSL (f32), for a **reverse** scan. The WGSL element is `struct KalmanFullSmootherElement<dim> {
 * E: array<f32, dim²>, g: array<f32, dim>, L: array<f32, dim²> }` (row-major, tightly packed); functions
 * `kalman_full_smoother_combine_<dim>` and `kalman_full_smoother_identity_<dim>` (E = I, g = 0, L = 0).
 *
 * @param dim - the state dimension, 1..MAX_FULL_WGSL_DIM.
 * @throws {@link KalmanShapeError} for any other `dim`.
 *
 * @example
 * ```ts
 * import { associativeScan } from '@elk/scan';
 * const smoothed = associativeScan(fullSmootherOperator(3), elements, { reverse: true }); // smoothed[t].g
 * ```
 */
export function fullSmootherOperator(dim: number): ScanOperator<FullSmootherElement> {
  checkWgslDim(dim);
  const n = dim;
  const nn = n * n;
  const element = `KalmanFullSmootherElement${n}`;
  const combineName = `kalman_full_smoother_combine_${n}`;
  const identityName = `kalman_full_smoother_identity_${n}`;
  const combineCode = /* wgsl */ `struct ${element} {
  E: array<f32, ${nn}>,
  g: array<f32, ${n}>,
  L: array<f32, ${nn}>,
}

fn ${combineName}(earlier: ${element}, later: ${element}) -> ${element} {
  var e = earlier;
  var l = later;
  var el: array<f32, ${nn}>;
  var out: ${element};
  for (var i = 0u; i < ${n}u; i++) {
    var sumG = 0.0;
    for (var j = 0u; j < ${n}u; j++) {
      var sumE = 0.0;
      var sumEL = 0.0;
      for (var k = 0u; k < ${n}u; k++) {
        sumE += l.E[i * ${n}u + k] * e.E[k * ${n}u + j];
        sumEL += l.E[i * ${n}u + k] * e.L[k * ${n}u + j];
      }
      out.E[i * ${n}u + j] = sumE;
      el[i * ${n}u + j] = sumEL;
      sumG += l.E[i * ${n}u + j] * e.g[j];
    }
    out.g[i] = sumG + l.g[i];
  }
  for (var i = 0u; i < ${n}u; i++) {
    for (var j = 0u; j < ${n}u; j++) {
      var sumL = 0.0;
      for (var k = 0u; k < ${n}u; k++) {
        sumL += el[i * ${n}u + k] * l.E[j * ${n}u + k];
      }
      out.L[i * ${n}u + j] = sumL + l.L[i * ${n}u + j];
    }
  }
  for (var i = 0u; i < ${n}u; i++) {
    for (var j = i + 1u; j < ${n}u; j++) {
      let value = 0.5 * (out.L[i * ${n}u + j] + out.L[j * ${n}u + i]);
      out.L[i * ${n}u + j] = value;
      out.L[j * ${n}u + i] = value;
    }
  }
  return out;
}
`;
  const identityCode = /* wgsl */ `fn ${identityName}() -> ${element} {
  var out: ${element};
  for (var i = 0u; i < ${n}u; i++) {
    out.E[i * ${n}u + i] = 1.0;
  }
  return out;
}
`;
  return {
    name: `kalman-full-smoother-${dim}`,
    combine: combineFullSmootherElements,
    identity: () => ({ E: identity(dim), g: new Float64Array(dim), L: new Float64Array(dim * dim) }),
    wgsl: {
      elementType: element,
      combine: { name: combineName, code: combineCode },
      identity: { name: identityName, code: identityCode },
    },
  };
}
