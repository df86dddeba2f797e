import { associativeScan } from '@elk/scan';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  combineDiagonalFilterElements,
  combineFullFilterElements,
  type DiagonalFilterElement,
  type DiagonalSmootherElement,
  diagonalFilterOperator,
  diagonalSmootherOperator,
  type FullFilterElement,
  type FullSmootherElement,
  fullFilterOperator,
  fullSmootherOperator,
  KalmanShapeError,
  kalmanFilter,
  kalmanSmoother,
  MAX_FULL_WGSL_DIM,
} from '../src/index.ts';
import { buildDiagonalFilterElements, buildDiagonalSmootherElements } from '../src/parallel-diagonal.ts';
import { buildFullFilterElements, buildFullSmootherElements } from '../src/parallel-full.ts';
import { resolveModel } from '../src/resolved-model.ts';
import { randomDiagonalModel, randomFullModel, randomSpd, relativeError } from './support/models.ts';
import { createRandom, type Random } from './support/random.ts';

const flatten = (element: FullFilterElement | FullSmootherElement): number[] =>
  Object.values(element).flatMap((value: Float64Array) => Array.from(value));

/** A random valid filter element (C and J positive semi-definite, as the paper's elements are). */
function randomFullFilterElement(random: Random, D: number): FullFilterElement {
  const vector = () => Float64Array.from({ length: D }, () => random.normal());
  return {
    A: Float64Array.from({ length: D * D }, () => random.normal() / Math.sqrt(D)),
    b: vector(),
    C: Float64Array.from(randomSpd(random, D, 1, 0.01)),
    eta: vector(),
    J: Float64Array.from(randomSpd(random, D, 1, 0.01)),
  };
}

function randomDiagonalFilterElement(random: Random): DiagonalFilterElement {
  return {
    A: random.normal(),
    b: random.normal(),
    C: random.uniform(0, 2),
    eta: random.normal(),
    J: random.uniform(0, 2),
  };
}

const values = (element: object) => Object.values(element) as number[];

describe('combination operators: associativity and identity', () => {
  it('diagonal filter and smoother combinations are associative with their identities', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const random = createRandom(seed);
        const [x, y, z] = [0, 1, 2].map(() => randomDiagonalFilterElement(random)) as [
          DiagonalFilterElement,
          DiagonalFilterElement,
          DiagonalFilterElement,
        ];
        const combine = diagonalFilterOperator.combine;
        const left = combine(combine(x, y), z);
        const right = combine(x, combine(y, z));
        expect(relativeError(values(left), values(right))).toBeLessThan(1e-12);
        const identity = diagonalFilterOperator.identity();
        expect(relativeError(values(combine(identity, x)), values(x))).toBeLessThan(1e-15);
        expect(relativeError(values(combine(x, identity)), values(x))).toBeLessThan(1e-15);
        const smoother = (): DiagonalSmootherElement => ({
          E: random.normal(),
          g: random.normal(),
          L: random.uniform(0, 2),
        });
        const [u, v, w] = [smoother(), smoother(), smoother()];
        const s = diagonalSmootherOperator.combine;
        expect(relativeError(values(s(s(u, v), w)), values(s(u, s(v, w))))).toBeLessThan(1e-12);
        expect(values(s(diagonalSmootherOperator.identity(), u))).toEqual(values(u));
        expect(values(s(u, diagonalSmootherOperator.identity()))).toEqual(values(u));
      }),
      { seed: 61, numRuns: 300 },
    );
  });

  it('full filter and smoother combinations are associative with their identities, D = 1..8', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: MAX_FULL_WGSL_DIM }), (seed, D) => {
        const random = createRandom(seed);
        const [x, y, z] = [0, 1, 2].map(() => randomFullFilterElement(random, D)) as [
          FullFilterElement,
          FullFilterElement,
          FullFilterElement,
        ];
        const operator = fullFilterOperator(D);
        const left = operator.combine(operator.combine(x, y), z);
        const right = operator.combine(x, operator.combine(y, z));
        expect(relativeError(flatten(left), flatten(right))).toBeLessThan(1e-10);
        expect(relativeError(flatten(operator.combine(operator.identity(), x)), flatten(x))).toBeLessThan(
          1e-14,
        );
        expect(relativeError(flatten(operator.combine(x, operator.identity())), flatten(x))).toBeLessThan(
          1e-14,
        );
        const smoother = fullSmootherOperator(D);
        const element = (): FullSmootherElement => ({
          E: Float64Array.from({ length: D * D }, () => random.normal() / Math.sqrt(D)),
          g: Float64Array.from({ length: D }, () => random.normal()),
          L: Float64Array.from(randomSpd(random, D, 1, 0.01)),
        });
        const [u, v, w] = [element(), element(), element()];
        const c = smoother.combine;
        expect(relativeError(flatten(c(c(u, v), w)), flatten(c(u, c(v, w))))).toBeLessThan(1e-12);
        expect(relativeError(flatten(c(smoother.identity(), u)), flatten(u))).toBeLessThan(1e-15);
      }),
      { seed: 62, numRuns: 200 },
    );
  });

  it('the diagonal combination is the full one with 1 × 1 matrices', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const random = createRandom(seed);
        const x = randomDiagonalFilterElement(random);
        const y = randomDiagonalFilterElement(random);
        const asFull = (e: DiagonalFilterElement): FullFilterElement => ({
          A: Float64Array.of(e.A),
          b: Float64Array.of(e.b),
          C: Float64Array.of(e.C),
          eta: Float64Array.of(e.eta),
          J: Float64Array.of(e.J),
        });
        const full = combineFullFilterElements(asFull(x), asFull(y));
        expect(relativeError(values(combineDiagonalFilterElements(x, y)), flatten(full))).toBeLessThan(1e-14);
      }),
      { seed: 63, numRuns: 200 },
    );
  });

  it('operator factories reject dimensions outside 1..MAX_FULL_WGSL_DIM', () => {
    for (const dim of [0, MAX_FULL_WGSL_DIM + 1, 2.5, Number.NaN]) {
      expect(() => fullFilterOperator(dim)).toThrow(KalmanShapeError);
      expect(() => fullSmootherOperator(dim)).toThrow(KalmanShapeError);
    }
  });
});

describe('the operators through @elk/scan reproduce the filter and smoother', () => {
  it('diagonal: associativeScan over element objects = the typed-array parallel path = sequential', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 200 }),
        (seed, D, T) => {
          const { model, observations } = randomDiagonalModel(createRandom(seed), {
            batch: 2,
            length: T,
            stateDim: D,
            stable: seed % 2 === 0,
            constant: false,
            precision: 'f64',
          });
          const resolved = resolveModel(model, observations, {});
          const arrays = buildDiagonalFilterElements(resolved);
          const filtered = kalmanFilter(model, observations);
          const smoothed = kalmanSmoother(model, observations);
          const means = new Float64Array(2 * T * D);
          const variances = new Float64Array(2 * T * D);
          for (let n = 0; n < 2; n++) {
            for (let i = 0; i < D; i++) {
              const at = (t: number) => (n * T + t) * D + i;
              const elements = Array.from({ length: T }, (_, t) => ({
                A: arrays.A[at(t)]!,
                b: arrays.b[at(t)]!,
                C: arrays.C[at(t)]!,
                eta: arrays.eta[at(t)]!,
                J: arrays.J[at(t)]!,
              }));
              associativeScan(diagonalFilterOperator, elements).forEach((prefix, t) => {
                means[at(t)] = prefix.b;
                variances[at(t)] = prefix.C;
              });
            }
          }
          expect(relativeError(means, filtered.means)).toBeLessThan(1e-9);
          expect(relativeError(variances, filtered.covariances)).toBeLessThan(1e-9);
          const smootherArrays = buildDiagonalSmootherElements(resolved, means, variances);
          const smoothedMeans = new Float64Array(2 * T * D);
          for (let n = 0; n < 2; n++) {
            for (let i = 0; i < D; i++) {
              const at = (t: number) => (n * T + t) * D + i;
              const elements = Array.from({ length: T }, (_, t) => ({
                E: smootherArrays.E[at(t)]!,
                g: smootherArrays.g[at(t)]!,
                L: smootherArrays.L[at(t)]!,
              }));
              associativeScan(diagonalSmootherOperator, elements, { reverse: true }).forEach((suffix, t) => {
                smoothedMeans[at(t)] = suffix.g;
              });
            }
          }
          expect(relativeError(smoothedMeans, smoothed.means)).toBeLessThan(1e-9);
        },
      ),
      { seed: 64, numRuns: 100 },
    );
  });

  it('full: associativeScan with fullFilterOperator / fullSmootherOperator = sequential', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 60 }),
        (seed, D, T) => {
          const { model, observations } = randomFullModel(createRandom(seed), {
            batch: 1,
            length: T,
            stateDim: D,
            stable: seed % 2 === 0,
            constant: false,
            precision: 'f64',
          });
          const resolved = resolveModel(model, observations, {});
          const filtered = kalmanFilter(model, observations);
          const prefixes = associativeScan(fullFilterOperator(D), buildFullFilterElements(resolved, 0));
          expect(
            relativeError(
              prefixes.flatMap((p) => Array.from(p.b)),
              filtered.means,
            ),
          ).toBeLessThan(1e-9);
          expect(
            relativeError(
              prefixes.flatMap((p) => Array.from(p.C)),
              filtered.covariances,
            ),
          ).toBeLessThan(1e-9);
          const elements = buildFullSmootherElements(
            resolved,
            0,
            Float64Array.from(filtered.means),
            Float64Array.from(filtered.covariances),
          );
          const suffixes = associativeScan(fullSmootherOperator(D), elements, { reverse: true });
          const smoothed = kalmanSmoother(model, observations);
          expect(
            relativeError(
              suffixes.flatMap((s) => Array.from(s.g)),
              smoothed.means,
            ),
          ).toBeLessThan(1e-9);
          expect(
            relativeError(
              suffixes.flatMap((s) => Array.from(s.L)),
              smoothed.covariances,
            ),
          ).toBeLessThan(1e-9);
        },
      ),
      { seed: 65, numRuns: 80 },
    );
  });
});
