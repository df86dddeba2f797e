/**
 * Thrown when a model or observation array has the wrong shape, length, typed-array type or size:
 * it names the offending argument, what was expected and what was received.
 *
 * @example
 * ```ts
 * try {
 *   kalmanFilter(model, new Float64Array(3));
 * } catch (error) {
 *   if (error instanceof KalmanShapeError) console.log(error.argument); // 'observations'
 * }
 * ```
 */
export class KalmanShapeError extends Error {
  /** The offending argument, e.g. `'observations'`, `'model.transition'`, `'model.stateDim'`. */
  readonly argument: string;
  /** What was expected, e.g. `'length 8 ([batch, length, observationDim])'`. */
  readonly expected: string;
  /** A short description of what was received. */
  readonly received: string;

  constructor(argument: string, expected: string, received: string) {
    super(`Invalid Kalman input \`${argument}\`: expected ${expected}, received ${received}.`);
    this.name = 'KalmanShapeError';
    this.argument = argument;
    this.expected = expected;
    this.received = received;
  }
}

/**
 * Why a covariance was rejected by {@link KalmanCovarianceError}.
 *
 * @example
 * ```ts
 * const problem: CovarianceProblem = 'not positive definite';
 * ```
 */
export type CovarianceProblem = 'not symmetric' | 'not positive definite';

/**
 * Thrown when a covariance (P₁, Q_t or R_t, or a variance of the diagonal form) is not symmetric or not
 * positive definite. It names the argument, the problem and the (sequence, step) of the offending matrix.
 *
 * @example
 * ```ts
 * try {
 *   kalmanFilter({ ...model, observationCovariance: { constant: new Float64Array([1, 2, 0, 1]) } }, y);
 * } catch (error) {
 *   if (error instanceof KalmanCovarianceError) console.log(error.argument, error.problem); // 'model.observationCovariance', 'not symmetric'
 * }
 * ```
 */
export class KalmanCovarianceError extends Error {
  /** The offending argument, e.g. `'model.transitionCovariance'`. */
  readonly argument: string;
  /** What is wrong with it. */
  readonly problem: CovarianceProblem;
  /** Index of the sequence in the batch (0 for a constant parameter). */
  readonly sequence: number;
  /** Index of the time step (0 for a constant or initial parameter). */
  readonly step: number;

  constructor(argument: string, problem: CovarianceProblem, sequence: number, step: number) {
    super(
      `Invalid Kalman covariance \`${argument}\` at sequence ${sequence}, step ${step}: expected a symmetric ` +
        `positive definite matrix, but it is ${problem}.`,
    );
    this.name = 'KalmanCovarianceError';
    this.argument = argument;
    this.problem = problem;
    this.sequence = sequence;
    this.step = step;
  }
}

/**
 * Thrown when a model parameter or an observation holds a value that is not finite (NaN or ±∞), or when
 * an argument such as λ is out of its range.
 *
 * @example
 * ```ts
 * try {
 *   elkModel({ form: 'diagonal', a, b, iterate, lambda: 0, batch: 1, length: 4, dim: 2 });
 * } catch (error) {
 *   if (error instanceof KalmanValueError) console.log(error.argument); // 'lambda'
 * }
 * ```
 */
export class KalmanValueError extends Error {
  /** The offending argument, e.g. `'observations'`, `'lambda'`. */
  readonly argument: string;
  /** What was expected, e.g. `'finite numbers'`, `'a finite number > 0'`. */
  readonly expected: string;
  /** A short description of what was received. */
  readonly received: string;

  constructor(argument: string, expected: string, received: string) {
    super(`Invalid Kalman value \`${argument}\`: expected ${expected}, received ${received}.`);
    this.name = 'KalmanValueError';
    this.argument = argument;
    this.expected = expected;
    this.received = received;
  }
}
