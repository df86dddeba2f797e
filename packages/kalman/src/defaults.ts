/**
 * The defaults of `kalmanFilter` and `kalmanSmoother`, defined once here.
 *
 * - `parallel: false` — the sequential filter/smoother (the fewest operations on a CPU core). `true` runs the
 *   parallel-in-time algorithm of Särkkä & García-Fernández (2021) through associative scans; both give the
 *   same result up to rounding.
 * - `validate: true` — check shapes, finiteness, symmetry and positive definiteness of every input before
 *   computing. Shapes are always checked; `false` skips the value checks (for hot loops on trusted input).
 * - `symmetryTolerance: 1e-6` — a covariance M is accepted as symmetric when
 *   |M_ij − M_ji| ≤ symmetryTolerance · max(|M_ij|, |M_ji|, 1e-300).
 *
 * @example
 * ```ts
 * kalmanFilter(model, y, { ...KALMAN_DEFAULTS, parallel: true });
 * ```
 */
export const KALMAN_DEFAULTS = {
  parallel: false,
  validate: true,
  symmetryTolerance: 1e-6,
} as const;

/**
 * Options of `kalmanFilter` and `kalmanSmoother`; every field defaults to {@link KALMAN_DEFAULTS}.
 *
 * @example
 * ```ts
 * const options: KalmanOptions = { parallel: true };
 * ```
 */
export interface KalmanOptions {
  /** Run the parallel-in-time (associative scan) algorithm. Default `false`. */
  parallel?: boolean;
  /** Check values (finite, symmetric, positive definite) before computing. Default `true`. */
  validate?: boolean;
  /** Relative tolerance of the symmetry check. Default `1e-6`. */
  symmetryTolerance?: number;
}
