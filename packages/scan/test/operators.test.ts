import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AffineDenseElement,
  affineDenseOperator,
  affineDiagonalOperator,
  associativeScan,
  ScanInputError,
  scanAffineDense,
  scanAffineDiagonal,
} from '../src/index.ts';
import { epsilon64, random, referenceScan, uniform } from './oracle.ts';

const scanCase = fc.record({
  length: fc.integer({ min: 1, max: 400 }),
  dim: fc.integer({ min: 1, max: 5 }),
  reverse: fc.boolean(),
  chunkSize: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
  seed: fc.integer(),
});

describe('affineDiagonalOperator', () => {
  it('scanned with associativeScan gives the states of scanAffineDiagonal (both directions)', () => {
    fc.assert(
      fc.property(scanCase, ({ length, reverse, chunkSize, seed }) => {
        const next = random(seed);
        const a = uniform(next, length, -1, 1);
        const b = uniform(next, length, -1, 1);
        const elements = Array.from(a, (value, t) => ({ a: value, b: b[t]! }));
        const scanned = associativeScan(affineDiagonalOperator, elements, { reverse, chunkSize });
        const reference = referenceScan({ batch: 1, length, dim: 1, reverse }, a, b, undefined, false);
        expect(scanAffineDiagonal({ a, b, batch: 1, length, dim: 1, reverse })).toEqual(reference.x);
        scanned.forEach((element, t) => {
          // A different association order: error ≤ a few ε·depth·Σ|terms|.
          expect(Math.abs(element.b - reference.x[t]!)).toBeLessThanOrEqual(
            64 * epsilon64 * reference.bound[t]!,
          );
        });
      }),
      { seed: 31, numRuns: 300 },
    );
  });

  it('has an identity, and is associative on exact (integer) values', () => {
    const integer = fc.integer({ min: -1000, max: 1000 });
    const element = fc.record({ a: integer, b: integer });
    fc.assert(
      fc.property(element, element, element, (x, y, z) => {
        const { combine, identity } = affineDiagonalOperator;
        expect(combine(combine(x, y), z)).toEqual(combine(x, combine(y, z)));
        expect(combine(identity(), x)).toEqual(x);
        expect(combine(x, identity())).toEqual(x);
      }),
      { seed: 5, numRuns: 200 },
    );
  });
});

describe('affineDenseOperator', () => {
  it('scanned with associativeScan gives the states of scanAffineDense (both directions)', () => {
    fc.assert(
      fc.property(scanCase, ({ length, dim, reverse, chunkSize, seed }) => {
        const next = random(seed);
        const a = uniform(next, length * dim * dim, -1 / dim, 1 / dim);
        const b = uniform(next, length * dim, -1, 1);
        const elements: AffineDenseElement[] = Array.from({ length }, (_, t) => ({
          A: a.slice(t * dim * dim, (t + 1) * dim * dim),
          b: b.slice(t * dim, (t + 1) * dim),
        }));
        const operator = affineDenseOperator(dim);
        const scanned = associativeScan(operator, elements, { reverse, chunkSize });
        const x = scanAffineDense({ a, b, batch: 1, length, dim, reverse });
        const reference = referenceScan({ batch: 1, length, dim, reverse }, a, b, undefined, true);
        scanned.forEach((element, t) => {
          for (let i = 0; i < dim; i++) {
            const index = t * dim + i;
            const allowed = 64 * dim * epsilon64 * reference.bound[index]!;
            expect(Math.abs(element.b[i]! - x[index]!)).toBeLessThanOrEqual(allowed);
          }
        });
      }),
      { seed: 41, numRuns: 300 },
    );
  });

  it('has an identity, is associative on integers, and is cached by dim', () => {
    const element = (dim: number) =>
      fc.record({
        A: fc.array(fc.integer({ min: -50, max: 50 }), { minLength: dim * dim, maxLength: dim * dim }),
        b: fc.array(fc.integer({ min: -50, max: 50 }), { minLength: dim, maxLength: dim }),
      });
    const toElement = ({ A, b }: { A: number[]; b: number[] }): AffineDenseElement => ({
      A: Float64Array.from(A),
      b: Float64Array.from(b),
    });
    for (const dim of [1, 2, 3, 4]) {
      const { combine, identity } = affineDenseOperator(dim);
      fc.assert(
        fc.property(element(dim), element(dim), element(dim), (first, second, third) => {
          const [x, y, z] = [toElement(first), toElement(second), toElement(third)];
          expect(combine(combine(x, y), z)).toEqual(combine(x, combine(y, z)));
          expect(combine(identity(), x)).toEqual(x);
          expect(combine(x, identity())).toEqual(x);
        }),
        { seed: dim, numRuns: 50 },
      );
    }
    expect(affineDenseOperator(3)).toBe(affineDenseOperator(3));
    expect(affineDenseOperator(3)).not.toBe(affineDenseOperator(4));
    expect(affineDenseOperator(3).wgsl.combine.code).toContain('array<f32, 9>');
    for (const dim of [0, -1, 2.5, Number.NaN]) {
      expect(() => affineDenseOperator(dim)).toThrow(ScanInputError);
    }
  });
});
