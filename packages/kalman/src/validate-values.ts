import { cholesky } from './dense-linear-algebra.ts';
import { KalmanCovarianceError, KalmanValueError } from './errors.ts';

/** Throws {@link KalmanValueError} at the first non-finite value of `data`. */
export function checkFinite(argument: string, data: Float64Array): void {
  for (let i = 0; i < data.length; i++) {
    const value = data[i] ?? 0;
    if (!Number.isFinite(value)) {
      throw new KalmanValueError(argument, 'finite numbers', `${value} at index ${i}`);
    }
  }
}

/** Diagonal form: every variance must be > 0. `data` is [sequences, steps, dim]. */
export function checkVariances(argument: string, data: Float64Array, dim: number, steps: number): void {
  for (let i = 0; i < data.length; i++) {
    if (!((data[i] ?? 0) > 0)) {
      const position = Math.floor(i / dim);
      throw new KalmanCovarianceError(
        argument,
        'not positive definite',
        Math.floor(position / steps),
        position % steps,
      );
    }
  }
}

/** Full form: every dim × dim matrix of `data` ([sequences, steps, dim, dim]) must be symmetric and PD. */
export function checkCovariance(
  argument: string,
  data: Float64Array,
  dim: number,
  sequences: number,
  steps: number,
  tolerance: number,
): void {
  const size = dim * dim;
  for (let sequence = 0; sequence < sequences; sequence++) {
    for (let step = 0; step < steps; step++) {
      const offset = (sequence * steps + step) * size;
      for (let i = 0; i < dim; i++) {
        for (let j = i + 1; j < dim; j++) {
          const upper = data[offset + i * dim + j] ?? 0;
          const lower = data[offset + j * dim + i] ?? 0;
          const scale = Math.max(Math.abs(upper), Math.abs(lower), 1e-300);
          if (Math.abs(upper - lower) > tolerance * scale) {
            throw new KalmanCovarianceError(argument, 'not symmetric', sequence, step);
          }
        }
      }
      if (cholesky(data, dim, offset) === null) {
        throw new KalmanCovarianceError(argument, 'not positive definite', sequence, step);
      }
    }
  }
}
