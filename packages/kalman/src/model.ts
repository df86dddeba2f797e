/**
 * The linear-Gaussian state-space model (LGSSM) types, in a full and a diagonal form.
 *
 * The model, for each sequence of a batch and steps t = 1..T:
 *
 *   s_1 ~ N(m_1, P_1)
 *   s_t = F_t s_{t-1} + c_t + w_t,   w_t ~ N(0, Q_t)      (t ≥ 2)
 *   y_t = H_t s_t + d_t + v_t,       v_t ~ N(0, R_t)
 *
 * ## Representation of parameters
 * Every parameter is a {@link Parameter}: either a bare typed array with one value per sequence and step
 * (per sequence only, for the initial mean and covariance), or `{ constant: array }`, one value shared by all
 * sequences and all steps. Shapes are row-major:
 *
 * | parameter | bare (varying) | `{ constant }` |
 * |---|---|---|
 * | `initialMean` m_1 | [batch, D] | [D] |
 * | `initialCovariance` P_1 | [batch, D, D] | [D, D] |
 * | `transition` F_t, `transitionCovariance` Q_t | [batch, length, D, D] | [D, D] |
 * | `transitionOffset` c_t | [batch, length, D] | [D] |
 * | `observationMatrix` H_t | [batch, length, p, D] | [p, D] |
 * | `observationOffset` d_t | [batch, length, p] | [p] |
 * | `observationCovariance` R_t | [batch, length, p, p] | [p, p] |
 *
 * In the diagonal form every matrix is a vector of its diagonal (D × D → D) and p = D.
 * Step t is at index t − 1; the transition parameters (F, c, Q) at index 0 are never used (the prior
 * m_1, P_1 takes their place) but must still be finite. Observations are [batch, length, p].
 *
 * @module
 */

/**
 * The typed arrays elk computes with. The observations' type sets the precision of the results.
 *
 * @example
 * ```ts
 * const observations: FloatArray = new Float32Array(batch * length * dim);
 * ```
 */
export type FloatArray = Float32Array | Float64Array;

/**
 * A model parameter: a bare typed array varies over sequences (and steps, for per-step parameters);
 * `{ constant }` is one value shared by every sequence and step. See the module documentation for shapes.
 *
 * @example
 * ```ts
 * const perStep: Parameter = new Float64Array(batch * length * dim * dim); // F_t for every sequence and step
 * const shared: Parameter = { constant: new Float64Array([1, 0, 0, 1]) }; // Q = I for every step
 * ```
 */
export type Parameter = FloatArray | { readonly constant: FloatArray };

/**
 * A time-varying batched LGSSM with dense matrices (see the module documentation for the equations and shapes).
 *
 * @example
 * ```ts
 * // A 2-D constant-velocity model observed in position, one sequence of 100 steps.
 * const model: FullModel = {
 *   form: 'full', batch: 1, length: 100, stateDim: 2, observationDim: 1,
 *   initialMean: { constant: new Float64Array([0, 0]) },
 *   initialCovariance: { constant: new Float64Array([1, 0, 0, 1]) },
 *   transition: { constant: new Float64Array([1, 1, 0, 1]) },
 *   transitionCovariance: { constant: new Float64Array([0.01, 0, 0, 0.01]) },
 *   observationMatrix: { constant: new Float64Array([1, 0]) },
 *   observationCovariance: { constant: new Float64Array([0.5]) },
 * };
 * ```
 */
export interface FullModel {
  readonly form: 'full';
  /** Number of independent sequences. */
  readonly batch: number;
  /** Number of steps T. */
  readonly length: number;
  /** State dimension D. */
  readonly stateDim: number;
  /** Observation dimension p. */
  readonly observationDim: number;
  /** m_1: [batch, D] or `{ constant: [D] }`. */
  readonly initialMean: Parameter;
  /** P_1 (symmetric positive definite): [batch, D, D] or `{ constant: [D, D] }`. */
  readonly initialCovariance: Parameter;
  /** F_t: [batch, length, D, D] or `{ constant: [D, D] }`. */
  readonly transition: Parameter;
  /** c_t: [batch, length, D] or `{ constant: [D] }`. Default 0. */
  readonly transitionOffset?: Parameter;
  /** Q_t (symmetric positive definite): [batch, length, D, D] or `{ constant: [D, D] }`. */
  readonly transitionCovariance: Parameter;
  /** H_t: [batch, length, p, D] or `{ constant: [p, D] }`. Default: the identity (requires p = D). */
  readonly observationMatrix?: Parameter;
  /** d_t: [batch, length, p] or `{ constant: [p] }`. Default 0. */
  readonly observationOffset?: Parameter;
  /** R_t (symmetric positive definite): [batch, length, p, p] or `{ constant: [p, p] }`. */
  readonly observationCovariance: Parameter;
}

/**
 * A time-varying batched LGSSM whose every matrix is diagonal: D independent scalar models
 * s_t[i] = F_t[i] s_{t-1}[i] + c_t[i] + w, y_t[i] = H_t[i] s_t[i] + d_t[i] + v. Each parameter holds the
 * diagonals: per step [batch, length, D] (initial: [batch, D]) or `{ constant: [D] }`; observations are
 * [batch, length, D]. Variances must be > 0.
 *
 * @example
 * ```ts
 * const model: DiagonalModel = {
 *   form: 'diagonal', batch: 1, length: 100, stateDim: 3,
 *   initialMean: { constant: new Float64Array(3) },
 *   initialCovariance: { constant: new Float64Array([1, 1, 1]) },
 *   transition: { constant: new Float64Array([0.9, 0.5, 1]) },
 *   transitionCovariance: { constant: new Float64Array([0.1, 0.1, 0.1]) },
 *   observationCovariance: { constant: new Float64Array([1, 1, 1]) },
 * };
 * ```
 */
export interface DiagonalModel {
  readonly form: 'diagonal';
  /** Number of independent sequences. */
  readonly batch: number;
  /** Number of steps T. */
  readonly length: number;
  /** State (and observation) dimension D. */
  readonly stateDim: number;
  /** m_1: [batch, D] or `{ constant: [D] }`. */
  readonly initialMean: Parameter;
  /** diag(P_1) > 0: [batch, D] or `{ constant: [D] }`. */
  readonly initialCovariance: Parameter;
  /** diag(F_t): [batch, length, D] or `{ constant: [D] }`. */
  readonly transition: Parameter;
  /** c_t: [batch, length, D] or `{ constant: [D] }`. Default 0. */
  readonly transitionOffset?: Parameter;
  /** diag(Q_t) > 0: [batch, length, D] or `{ constant: [D] }`. */
  readonly transitionCovariance: Parameter;
  /** diag(H_t): [batch, length, D] or `{ constant: [D] }`. Default 1. */
  readonly observationMatrix?: Parameter;
  /** d_t: [batch, length, D] or `{ constant: [D] }`. Default 0. */
  readonly observationOffset?: Parameter;
  /** diag(R_t) > 0: [batch, length, D] or `{ constant: [D] }`. */
  readonly observationCovariance: Parameter;
}

/**
 * Either form of the model.
 *
 * @example
 * ```ts
 * const dim = (model: Model) => model.stateDim;
 * ```
 */
export type Model = FullModel | DiagonalModel;

/**
 * What the Kalman filter returns. Arrays have the observations' typed-array type.
 *
 * @example
 * ```ts
 * const { means, covariances, logLikelihood } = kalmanFilter(model, observations);
 * ```
 */
export interface FilterResult<Array extends FloatArray = FloatArray> {
  /** Filtered means E[s_t | y_1..y_t]: [batch, length, D]. */
  readonly means: Array;
  /** Filtered covariances: full form [batch, length, D, D]; diagonal form the variances [batch, length, D]. */
  readonly covariances: Array;
  /** log p(y_1..y_T) per sequence: [batch], always in f64. */
  readonly logLikelihood: Float64Array;
}

/**
 * What the RTS smoother returns. Arrays have the observations' typed-array type.
 *
 * @example
 * ```ts
 * const { means, covariances } = kalmanSmoother(model, observations, { parallel: true });
 * ```
 */
export interface SmootherResult<Array extends FloatArray = FloatArray> {
  /** Smoothed means E[s_t | y_1..y_T]: [batch, length, D]. */
  readonly means: Array;
  /** Smoothed covariances: full form [batch, length, D, D]; diagonal form the variances [batch, length, D]. */
  readonly covariances: Array;
}
