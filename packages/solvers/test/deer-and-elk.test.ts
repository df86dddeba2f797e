import { gru } from '@elk/cells';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCpuBackend, evaluate } from '../src/index.ts';
import {
  elementwiseCell,
  maxAbsDifference,
  seededRandom,
  sequentialOracle,
  solveDense,
  uniformArray,
} from './support.ts';

describe('DEER (Lim et al., Proposition 1)', () => {
  it('is exact within T iterations, and the first i states are exact after i iterations', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 6 }),
        async (seed, batch, length, dim) => {
          const random = seededRandom(seed);
          const cell = gru({ hidden: dim, input: 2, seed, layout: 'torch' });
          const inputs = uniformArray(random, batch * length * 2, 3);
          const initialState = uniformArray(random, batch * dim, 1);
          const initialGuess = uniformArray(random, batch * length * dim, 5);
          const truth = sequentialOracle(cell, inputs, initialState, batch, length);
          const full = await evaluate(cell, {
            inputs,
            initialState,
            initialGuess,
            method: 'deer',
            tolerance: 0,
            stopping: 'reference',
            maxIterations: length,
          });
          expect(full.iterations).toBeLessThanOrEqual(length);
          expect(maxAbsDifference(full.states, truth)).toBeLessThan(1e-12);
          const i = Math.max(1, length >> 1);
          const partial = await evaluate(cell, {
            inputs,
            initialState,
            initialGuess,
            method: 'deer',
            maxIterations: i,
            tolerance: 0,
          });
          for (let b = 0; b < batch; b++) {
            const prefix = (x: ArrayLike<number>) =>
              Array.from({ length: i * dim }, (_, k) => x[b * length * dim + k] as number);
            expect(maxAbsDifference(prefix(partial.states), prefix(truth))).toBeLessThan(1e-12);
          }
        },
      ),
      { seed: 5101, numRuns: 40 },
    );
  });
});

describe('method identities', () => {
  it('quasi-DEER equals DEER, iterate by iterate, on a cell with a diagonal Jacobian', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.integer({ min: 2, max: 200 }),
        async (seed, length) => {
          const random = seededRandom(seed);
          const cell = elementwiseCell(3, 2, random);
          const inputs = uniformArray(random, 2 * length * 2);
          const initialState = uniformArray(random, 2 * 3);
          const options = { inputs, initialState, tolerance: 1e-12, trace: true } as const;
          const deer = await evaluate(cell, { ...options, method: 'deer' });
          const quasi = await evaluate(cell, { ...options, method: 'quasi-deer' });
          expect(quasi.iterations).toBe(deer.iterations);
          const deerTrace = deer.trace?.states ?? [];
          const quasiTrace = quasi.trace?.states ?? [];
          expect(quasiTrace.length).toBe(deerTrace.length);
          deerTrace.forEach((states, i) => {
            expect(maxAbsDifference(quasiTrace[i] ?? [], states)).toBeLessThan(1e-12);
          });
        },
      ),
      { seed: 5102, numRuns: 25 },
    );
  });

  it('ELK with λ → 0 follows DEER (λ = 0 exactly, λ = 1e-9 to within 1e-6)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.integer({ min: 2, max: 60 }),
        async (seed, length) => {
          const random = seededRandom(seed);
          const cell = gru({ hidden: 3, input: 2, seed });
          const inputs = uniformArray(random, length * 2, 2);
          const initialState = uniformArray(random, 3);
          const options = { inputs, initialState, maxIterations: 4, tolerance: 0, trace: true } as const;
          const deer = await evaluate(cell, { ...options, method: 'deer' });
          for (const [lambda, tolerance] of [
            [0, 1e-14],
            [1e-9, 1e-6],
          ] as const) {
            for (const method of ['elk', 'quasi-elk'] as const) {
              const reference =
                method === 'elk' ? deer : await evaluate(cell, { ...options, method: 'quasi-deer' });
              const elk = await evaluate(cell, { ...options, method, lambda });
              (reference.trace?.states ?? []).forEach((states, i) => {
                expect(maxAbsDifference(elk.trace?.states[i] ?? [], states)).toBeLessThanOrEqual(tolerance);
              });
            }
          }
        },
      ),
      { seed: 5103, numRuns: 20 },
    );
  });
});

/**
 * The Levenberg–Marquardt step by a dense least-squares solve: minimise
 * Σ_t ‖x_t − A_t x_{t−1} − b_t‖² + λ Σ_t ‖x_t − y_t‖² (A_1 = 0) through the normal equations
 * (MᵀM + λI) x = Mᵀ b + λ y with M = I − subdiag(A_2..A_T).
 */
function denseLevenbergMarquardtStep(
  A: Float64Array[],
  b: Float64Array[],
  y: Float64Array[],
  lambda: number,
  dim: number,
): Float64Array {
  const T = b.length;
  const n = T * dim;
  const M = new Float64Array(n * n);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < dim; i++) {
      M[(t * dim + i) * n + t * dim + i] = 1;
      if (t > 0) {
        for (let j = 0; j < dim; j++)
          M[(t * dim + i) * n + (t - 1) * dim + j] = -((A[t] as Float64Array)[i * dim + j] as number);
      }
    }
  }
  const normal = new Float64Array(n * n);
  const right = new Float64Array(n);
  const bFlat = new Float64Array(n);
  const yFlat = new Float64Array(n);
  for (const [t, value] of b.entries()) bFlat.set(value, t * dim);
  for (const [t, value] of y.entries()) yFlat.set(value, t * dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = i === j ? lambda : 0;
      for (let k = 0; k < n; k++) sum += (M[k * n + i] as number) * (M[k * n + j] as number);
      normal[i * n + j] = sum;
    }
    let sum = lambda * (yFlat[i] as number);
    for (let k = 0; k < n; k++) sum += (M[k * n + i] as number) * (bFlat[k] as number);
    right[i] = sum;
  }
  return solveDense(normal, right);
}

describe('the ELK step', () => {
  it('(smoother) equals the dense least-squares Levenberg–Marquardt step, for ELK and quasi-ELK', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 4 }),
        fc.double({ min: -4, max: 2, noNaN: true }),
        async (seed, length, dim, logLambda) => {
          const lambda = 10 ** logLambda;
          const random = seededRandom(seed);
          const cell = gru({ hidden: dim, input: 1, seed, layout: 'torch' });
          const inputs = uniformArray(random, length, 2);
          const initialState = uniformArray(random, dim);
          const guess = uniformArray(random, length * dim, 1);
          const backend = createCpuBackend();
          const session = await backend.createSession({
            cell,
            batch: 1,
            length,
            inputs,
            initialState,
            initialGuess: guess,
          });
          for (const mode of ['dense', 'diagonal'] as const) {
            session.linearize(mode);
            session.solveKalman({ mode, estimator: 'smoother', lambda });
            const step = await session.readStates('candidate');
            const A: Float64Array[] = [];
            const b: Float64Array[] = [];
            const y: Float64Array[] = [];
            for (let t = 0; t < length; t++) {
              const previous = t === 0 ? initialState : guess.subarray((t - 1) * dim, t * dim);
              const input = inputs.subarray(t, t + 1);
              const f = cell.step(previous, input, 1);
              const J = Float64Array.from(cell.jacobian(previous, input, 1));
              if (mode === 'diagonal') for (let i = 0; i < dim * dim; i++) if (i % (dim + 1) !== 0) J[i] = 0;
              if (t === 0) J.fill(0);
              const offset = new Float64Array(dim);
              for (let i = 0; i < dim; i++) {
                let sum = f[i] as number;
                for (let j = 0; j < dim; j++) sum -= (J[i * dim + j] as number) * (previous[j] as number);
                offset[i] = sum;
              }
              A.push(J);
              b.push(offset);
              y.push(guess.slice(t * dim, (t + 1) * dim));
            }
            const expected = denseLevenbergMarquardtStep(A, b, y, lambda, dim);
            expect(maxAbsDifference(step, expected)).toBeLessThan(
              1e-9 * (1 + Math.max(...expected.map(Math.abs))),
            );
            // The filter's last mean is the smoother's last mean (both condition on all observations).
            session.solveKalman({ mode, estimator: 'filter', lambda });
            const filtered = await session.readStates('candidate');
            const last = (x: ArrayLike<number>) =>
              Array.from({ length: dim }, (_, i) => x[(length - 1) * dim + i] as number);
            expect(maxAbsDifference(last(filtered), last(step))).toBeLessThan(1e-9);
          }
          session.destroy();
        },
      ),
      { seed: 5104, numRuns: 40 },
    );
  });
});
