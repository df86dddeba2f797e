/** Plain sequential loops and tolerance bounds used as the oracles of the scan tests. */

export type FloatArray = Float32Array | Float64Array;

/** The tests' seeded uniform stream on [0, 1) (`@elk/testing`). */
export { seededUniform as random } from '@elk/testing';

export function uniform(next: () => number, count: number, low: number, high: number): Float64Array {
  return Float64Array.from({ length: count }, () => low + (high - low) * next());
}

export interface Reference {
  /** The recurrence evaluated in f64 on the given (already rounded) inputs. */
  x: Float64Array;
  /** Σ|terms| propagated through |a|: |error_t| ≤ c·ε·bound_t for a scan rounded once per step. */
  bound: Float64Array;
}

interface Shape {
  batch: number;
  length: number;
  dim: number;
  reverse: boolean;
}

/** x_t = A_t x_{t∓1} + b_t with dense or diagonal A, in f64, with its rounding-error bound. */
export function referenceScan(
  { batch, length, dim, reverse }: Shape,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  x0: ArrayLike<number> | undefined,
  dense: boolean,
): Reference {
  const x = new Float64Array(batch * length * dim);
  const bound = new Float64Array(batch * length * dim);
  for (let n = 0; n < batch; n++) {
    let previous = Array.from({ length: dim }, (_, d) => (x0 ? x0[n * dim + d]! : 0));
    let previousBound = new Array<number>(dim).fill(0);
    for (let step = 0; step < length; step++) {
      const t = reverse ? length - 1 - step : step;
      const next: number[] = [];
      const nextBound: number[] = [];
      for (let i = 0; i < dim; i++) {
        const index = (n * length + t) * dim + i;
        let value = b[index]!;
        let magnitude = Math.abs(b[index]!);
        let propagated = 0;
        for (let j = 0; j < dim; j++) {
          if (!dense && j !== i) continue;
          const coefficient = dense ? a[index * dim + j]! : a[index]!;
          value += coefficient * previous[j]!;
          magnitude += Math.abs(coefficient * previous[j]!);
          propagated += Math.abs(coefficient) * previousBound[j]!;
        }
        next.push(value);
        nextBound.push(propagated + magnitude);
        x[index] = value;
        bound[index] = propagated + magnitude;
      }
      previous = next;
      previousBound = nextBound;
    }
  }
  return { x, bound };
}

/** Asserts |actual − expected| ≤ factor·ε·bound elementwise; returns the first violation or undefined. */
export function firstViolation(
  actual: ArrayLike<number>,
  reference: Reference,
  epsilon: number,
  factor: number,
): string | undefined {
  for (let i = 0; i < reference.x.length; i++) {
    const error = Math.abs(actual[i]! - reference.x[i]!);
    const allowed = factor * epsilon * reference.bound[i]! + Number.MIN_VALUE;
    if (!(error <= allowed)) {
      return `index ${i}: got ${actual[i]}, expected ${reference.x[i]} (error ${error} > ${allowed})`;
    }
  }
  return undefined;
}

export const epsilon32 = 2 ** -24;
export const epsilon64 = 2 ** -53;
