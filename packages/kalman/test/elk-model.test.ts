import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { elkModel, KalmanShapeError, KalmanValueError, kalmanSmoother } from '../src/index.ts';
import { solveDense } from './support/dense-oracle.ts';
import { randomTransition, relativeError } from './support/models.ts';
import { createRandom, type Random } from './support/random.ts';

interface ElkCase {
  D: number;
  T: number;
  a: Float64Array;
  b: Float64Array;
  iterate: Float64Array;
}

/** Random (A_t, b_t, s^(i)) for one sequence; diagonal A_t when `diagonal`. */
function randomCase(random: Random, D: number, T: number, stable: boolean, diagonal: boolean): ElkCase {
  const a: number[] = [];
  for (let t = 0; t < T; t++) {
    if (diagonal) {
      for (let i = 0; i < D; i++) a.push(stable ? random.uniform(-0.9, 0.9) : random.uniform(-1.5, 1.5));
    } else a.push(...randomTransition(random, D, stable));
  }
  return {
    D,
    T,
    a: Float64Array.from(a),
    b: Float64Array.from({ length: T * D }, () => random.normal()),
    iterate: Float64Array.from({ length: T * D }, () => random.normal()),
  };
}

/** A_t as a dense D × D matrix (from the diagonal when `diagonal`). */
function matrixAt(input: ElkCase, t: number, diagonal: boolean): number[] {
  const { D, a } = input;
  if (!diagonal) return Array.from(a.subarray(t * D * D, (t + 1) * D * D));
  return Array.from({ length: D * D }, (_, k) => (k % (D + 1) === 0 ? a[t * D + Math.floor(k / D)]! : 0));
}

/**
 * The minimiser of Σ_t ‖s_t − A_t s_{t-1} − b_t‖² + λ Σ_t ‖s_t − s^(i)_t‖² (first term ‖s_1 − b_1‖²) by the
 * normal equations (Mᵀ M + λ I) s = Mᵀ b + λ s^(i), M the block-bidiagonal dynamics operator.
 */
function levenbergMarquardtStep(input: ElkCase, lambda: number, diagonal: boolean): number[] {
  const { D, T, b, iterate } = input;
  const size = T * D;
  const M = new Array<number>(size * size).fill(0);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < D; i++) M[(t * D + i) * size + t * D + i] = 1;
    if (t === 0) continue;
    const A = matrixAt(input, t, diagonal);
    for (let i = 0; i < D; i++)
      for (let j = 0; j < D; j++) M[(t * D + i) * size + (t - 1) * D + j] = -A[i * D + j]!;
  }
  const normal = new Array<number>(size * size).fill(0);
  const right = new Array<number>(size).fill(0);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      let sum = 0;
      for (let k = 0; k < size; k++) sum += M[k * size + i]! * M[k * size + j]!;
      normal[i * size + j] = sum + (i === j ? lambda : 0);
    }
    let sum = 0;
    for (let k = 0; k < size; k++) sum += M[k * size + i]! * b[k]!;
    right[i] = sum + lambda * iterate[i]!;
  }
  return solveDense(normal, right, size, 1);
}

/** The linear recurrence s_1 = b_1, s_t = A_t s_{t-1} + b_t. */
function linearRecurrence(input: ElkCase, diagonal: boolean): number[] {
  const { D, T, b } = input;
  const out: number[] = Array.from(b.subarray(0, D));
  for (let t = 1; t < T; t++) {
    const A = matrixAt(input, t, diagonal);
    for (let i = 0; i < D; i++) {
      let sum = b[t * D + i]!;
      for (let j = 0; j < D; j++) sum += A[i * D + j]! * out[(t - 1) * D + j]!;
      out.push(sum);
    }
  }
  return out;
}

const forms = fc.constantFrom<'full' | 'diagonal'>('full', 'diagonal');

describe('elkModel: the smoother mean is the ELK step', () => {
  it('equals the dense least-squares minimiser of the Levenberg–Marquardt objective', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        forms,
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 8 }),
        fc.double({ min: 1e-3, max: 10, noNaN: true }),
        fc.boolean(),
        fc.boolean(),
        (seed, form, D, T, lambda, stable, parallel) => {
          const diagonal = form === 'diagonal';
          const input = randomCase(createRandom(seed), D, T, stable, diagonal);
          const { model, observations } = elkModel({ form, batch: 1, length: T, dim: D, lambda, ...input });
          const { means } = kalmanSmoother(model, observations, { parallel });
          expect(relativeError(means, levenbergMarquardtStep(input, lambda, diagonal))).toBeLessThan(1e-9);
        },
      ),
      { seed: 71, numRuns: 200 },
    );
  });

  it('λ → 0 recovers the linear recurrence (DEER step); λ → ∞ stays at the iterate', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        forms,
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 50 }),
        fc.boolean(),
        (seed, form, D, T, parallel) => {
          const diagonal = form === 'diagonal';
          const input = randomCase(createRandom(seed), D, T, true, diagonal);
          const small = elkModel({ form, batch: 1, length: T, dim: D, lambda: 1e-10, ...input });
          const step = kalmanSmoother(small.model, small.observations, { parallel }).means;
          expect(relativeError(step, linearRecurrence(input, diagonal))).toBeLessThan(1e-7);
          const large = elkModel({ form, batch: 1, length: T, dim: D, lambda: 1e10, ...input });
          const stay = kalmanSmoother(large.model, large.observations, { parallel }).means;
          expect(relativeError(stay, input.iterate)).toBeLessThan(1e-7);
        },
      ),
      { seed: 72, numRuns: 100 },
    );
  });

  it('takes the prior mean from initialMean when given, and batches sequences independently', () => {
    const random = createRandom(7);
    const [first, second] = [randomCase(random, 2, 5, true, true), randomCase(random, 2, 5, true, true)];
    const initialMean = Float64Array.from([0.5, -1, 2, 0.25]);
    const joined = (key: 'a' | 'b' | 'iterate') => Float64Array.from([...first[key], ...second[key]]);
    const batched = elkModel({
      form: 'diagonal',
      batch: 2,
      length: 5,
      dim: 2,
      lambda: 0.5,
      a: joined('a'),
      b: joined('b'),
      iterate: joined('iterate'),
      initialMean,
    });
    const means = kalmanSmoother(batched.model, batched.observations).means;
    for (const [n, input] of [first, second].entries()) {
      const shifted = { ...input, b: Float64Array.from(input.b) };
      shifted.b.set(initialMean.subarray(2 * n, 2 * n + 2), 0);
      expect(
        relativeError(means.subarray(10 * n, 10 * n + 10), levenbergMarquardtStep(shifted, 0.5, true)),
      ).toBeLessThan(1e-9);
    }
  });

  it('rejects λ ≤ 0 or non-finite, and wrong shapes, with typed errors naming the argument', () => {
    const base = {
      form: 'diagonal' as const,
      batch: 1,
      length: 3,
      dim: 2,
      a: new Float64Array(6),
      b: new Float64Array(6),
      iterate: new Float64Array(6),
    };
    for (const lambda of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => elkModel({ ...base, lambda })).toThrow(KalmanValueError);
    }
    expect(() => elkModel({ ...base, lambda: 1, a: new Float64Array(5) })).toThrow(
      expect.objectContaining({ argument: 'a', name: 'KalmanShapeError' }),
    );
    expect(() => elkModel({ ...base, form: 'full', lambda: 1 })).toThrow(KalmanShapeError);
    expect(() => elkModel({ ...base, lambda: 1, initialMean: new Float64Array(3) })).toThrow(
      expect.objectContaining({ argument: 'initialMean' }),
    );
  });
});
