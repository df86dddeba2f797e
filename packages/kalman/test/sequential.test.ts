import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DiagonalModel, type FullModel, kalmanFilter, kalmanSmoother } from '../src/index.ts';
import { densePosterior, diagonalAsFull } from './support/dense-oracle.ts';
import { randomDiagonalModel, randomFullModel, relativeError } from './support/models.ts';
import { createRandom } from './support/random.ts';

describe('sequential filter and smoother against the dense joint Gaussian', () => {
  it('full form: smoothed means/covariances = exact posterior, log-likelihood = marginal of y', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        fc.boolean(),
        (seed, D, p, T, stable, constant) => {
          const random = createRandom(seed);
          const { model, observations } = randomFullModel(random, {
            batch: 2,
            length: T,
            stateDim: D,
            observationDim: p,
            stable,
            constant,
            precision: 'f64',
          });
          const smoothed = kalmanSmoother(model, observations);
          const filtered = kalmanFilter(model, observations);
          for (let n = 0; n < 2; n++) {
            const oracle = densePosterior(model, observations, n);
            const range = [n * T * D, (n + 1) * T * D] as const;
            const covarianceRange = [n * T * D * D, (n + 1) * T * D * D] as const;
            expect(relativeError(smoothed.means.subarray(...range), oracle.mean)).toBeLessThan(1e-9);
            expect(
              relativeError(smoothed.covariances.subarray(...covarianceRange), oracle.covariances),
            ).toBeLessThan(1e-9);
            // The filtered moments at the last step are the smoothed ones.
            expect(
              relativeError(filtered.means.subarray(range[1] - D, range[1]), oracle.mean.slice(-D)),
            ).toBeLessThan(1e-9);
            expect(Math.abs(filtered.logLikelihood[n]! - oracle.logLikelihood)).toBeLessThan(
              1e-8 * (1 + Math.abs(oracle.logLikelihood)),
            );
          }
        },
      ),
      { seed: 41, numRuns: 120 },
    );
  });

  it('full form: the filtered mean at t = the posterior mean of s_t given y_1..y_t', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 2, max: 6 }),
        (seed, D, T) => {
          const { model, observations } = randomFullModel(createRandom(seed), {
            batch: 1,
            length: T,
            stateDim: D,
            stable: false,
            constant: true,
            precision: 'f64',
          });
          const filtered = kalmanFilter(model, observations);
          for (let t = 0; t < T; t++) {
            const truncated: FullModel = { ...model, length: t + 1 };
            const oracle = densePosterior(truncated, observations.subarray(0, (t + 1) * D), 0);
            expect(
              relativeError(filtered.means.subarray(t * D, (t + 1) * D), oracle.mean.slice(-D)),
            ).toBeLessThan(1e-9);
            expect(
              relativeError(
                filtered.covariances.subarray(t * D * D, (t + 1) * D * D),
                oracle.covariances.slice(-D * D),
              ),
            ).toBeLessThan(1e-9);
          }
        },
      ),
      { seed: 42, numRuns: 60 },
    );
  });

  it('diagonal form: equals the full form with diagonal matrices and the dense posterior', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        fc.boolean(),
        (seed, D, T, stable, constant) => {
          const { model, observations } = randomDiagonalModel(createRandom(seed), {
            batch: 2,
            length: T,
            stateDim: D,
            stable,
            constant,
            precision: 'f64',
          });
          const full = diagonalAsFull(model);
          const smoothed = kalmanSmoother(model, observations);
          const filtered = kalmanFilter(model, observations);
          const fullFiltered = kalmanFilter(full, observations);
          expect(relativeError(filtered.means, fullFiltered.means)).toBeLessThan(1e-10);
          expect(relativeError(filtered.logLikelihood, fullFiltered.logLikelihood)).toBeLessThan(1e-10);
          for (let n = 0; n < 2; n++) {
            const oracle = densePosterior(full, observations, n);
            expect(
              relativeError(smoothed.means.subarray(n * T * D, (n + 1) * T * D), oracle.mean),
            ).toBeLessThan(1e-9);
            const variances = oracle.covariances.filter((_, k) => Math.floor(k / D) % D === k % D);
            expect(
              relativeError(smoothed.covariances.subarray(n * T * D, (n + 1) * T * D), variances),
            ).toBeLessThan(1e-9);
          }
        },
      ),
      { seed: 43, numRuns: 120 },
    );
  });
});

describe('scalar random walk: the steady-state gain in closed form', () => {
  it('reaches K = P⁻/(P⁻ + r) with P⁻ = (q + √(q² + 4 q r)) / 2, sequential and parallel', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.double({ min: 0.01, max: 10, noNaN: true }),
        fc.double({ min: 0.01, max: 10, noNaN: true }),
        fc.boolean(),
        (seed, q, r, parallel) => {
          const random = createRandom(seed);
          const T = 400;
          const model: DiagonalModel = {
            form: 'diagonal',
            batch: 1,
            length: T,
            stateDim: 1,
            initialMean: { constant: new Float64Array([random.normal()]) },
            initialCovariance: { constant: new Float64Array([random.uniform(0.1, 5)]) },
            transition: { constant: new Float64Array([1]) },
            transitionCovariance: { constant: new Float64Array([q]) },
            observationCovariance: { constant: new Float64Array([r]) },
          };
          const observations = Float64Array.from({ length: T }, () => 3 * random.normal());
          const { means, covariances } = kalmanFilter(model, observations, { parallel });
          const predicted = (q + Math.sqrt(q * q + 4 * q * r)) / 2;
          const gain = predicted / (predicted + r);
          expect(covariances[T - 1]!).toBeCloseTo(gain * r, 8);
          // The update m_t = m_{t-1} + K (y_t − m_{t-1}) reveals the gain.
          const measured = (means[T - 1]! - means[T - 2]!) / (observations[T - 1]! - means[T - 2]!);
          expect(Math.abs(measured - gain)).toBeLessThan(1e-6);
        },
      ),
      { seed: 44, numRuns: 100 },
    );
  });
});
