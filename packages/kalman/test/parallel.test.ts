import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kalmanFilter, kalmanSmoother } from '../src/index.ts';
import { type Precision, randomDiagonalModel, randomFullModel, relativeError } from './support/models.ts';
import { createRandom } from './support/random.ts';

/** Parallel results in `precision` against the sequential f64 oracle on the same (f32-representable) data. */
const tolerance: Record<Precision, number> = { f64: 1e-8, f32: 2e-4 };

const toF64 = <M extends { observations: Float32Array | Float64Array }>(input: M) =>
  Float64Array.from(input.observations);

describe('parallel = sequential, diagonal form', () => {
  const check = (
    seed: number,
    D: number,
    T: number,
    batch: number,
    stable: boolean,
    constant: boolean,
    precision: Precision,
  ) => {
    const random = createRandom(seed);
    const { model, observations } = randomDiagonalModel(random, {
      batch,
      length: T,
      stateDim: D,
      stable,
      constant,
      precision,
    });
    const oracleFilter = kalmanFilter(model, Float64Array.from(observations));
    const oracleSmoother = kalmanSmoother(model, Float64Array.from(observations));
    const filtered = kalmanFilter(model, observations, { parallel: true });
    const smoothed = kalmanSmoother(model, observations, { parallel: true });
    expect(filtered.means).toBeInstanceOf(precision === 'f32' ? Float32Array : Float64Array);
    expect(relativeError(filtered.means, oracleFilter.means)).toBeLessThan(tolerance[precision]);
    expect(relativeError(filtered.covariances, oracleFilter.covariances)).toBeLessThan(tolerance[precision]);
    expect(relativeError(filtered.logLikelihood, oracleFilter.logLikelihood)).toBeLessThan(
      tolerance[precision],
    );
    expect(relativeError(smoothed.means, oracleSmoother.means)).toBeLessThan(tolerance[precision]);
    expect(relativeError(smoothed.covariances, oracleSmoother.covariances)).toBeLessThan(
      tolerance[precision],
    );
  };

  it('many small random models: D = 1..8, T = 1..80, stable and unstable, f32 and f64', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom<Precision>('f32', 'f64'),
        check,
      ),
      { seed: 51, numRuns: 300 },
    );
  });

  it('a few long sequences: T up to 2000', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1000, max: 2000 }),
        fc.boolean(),
        fc.constantFrom<Precision>('f32', 'f64'),
        (seed, D, T, stable, precision) => check(seed, D, T, 2, stable, false, precision),
      ),
      { seed: 52, numRuns: 8 },
    );
  });
});

describe('parallel = sequential, full form', () => {
  const check = (
    seed: number,
    D: number,
    observationDim: number,
    T: number,
    batch: number,
    stable: boolean,
    constant: boolean,
    identityObservation: boolean,
    precision: Precision,
  ) => {
    const random = createRandom(seed);
    const input = randomFullModel(random, {
      batch,
      length: T,
      stateDim: D,
      observationDim,
      stable,
      constant,
      identityObservation,
      precision,
    });
    const { model, observations } = input;
    const oracleFilter = kalmanFilter(model, toF64(input));
    const oracleSmoother = kalmanSmoother(model, toF64(input));
    const filtered = kalmanFilter(model, observations, { parallel: true });
    const smoothed = kalmanSmoother(model, observations, { parallel: true });
    expect(smoothed.covariances).toBeInstanceOf(precision === 'f32' ? Float32Array : Float64Array);
    expect(relativeError(filtered.means, oracleFilter.means)).toBeLessThan(tolerance[precision]);
    expect(relativeError(filtered.covariances, oracleFilter.covariances)).toBeLessThan(tolerance[precision]);
    expect(relativeError(filtered.logLikelihood, oracleFilter.logLikelihood)).toBeLessThan(
      tolerance[precision],
    );
    expect(relativeError(smoothed.means, oracleSmoother.means)).toBeLessThan(tolerance[precision]);
    expect(relativeError(smoothed.covariances, oracleSmoother.covariances)).toBeLessThan(
      tolerance[precision],
    );
  };

  it('many small random models: D = 1..8, T = 1..40, p = 1..D, stable and unstable, f32 and f64', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 1, max: 8 }).chain((D) => fc.tuple(fc.constant(D), fc.integer({ min: 1, max: D }))),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 2 }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom<Precision>('f32', 'f64'),
        (seed, [D, p], T, batch, stable, constant, identityObservation, precision) =>
          check(seed, D, p, T, batch, stable, constant, identityObservation, precision),
      ),
      { seed: 53, numRuns: 120 },
    );
  });

  it('a few long sequences: T up to 2000', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1000, max: 2000 }),
        fc.boolean(),
        fc.constantFrom<Precision>('f32', 'f64'),
        (seed, D, T, stable, precision) => check(seed, D, D, T, 1, stable, true, false, precision),
      ),
      { seed: 54, numRuns: 4 },
    );
  });
});
