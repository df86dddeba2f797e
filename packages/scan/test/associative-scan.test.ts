import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { associativeScan, ScanInputError, type ScanOperator } from '../src/index.ts';

/** The oracle: a left fold, out[i] = e[0] • … • e[i] (reverse: e[n-1] • … • e[i]). */
function foldScan<T>(combine: (x: T, y: T) => T, elements: readonly T[], reverse: boolean): T[] {
  const out: T[] = new Array(elements.length);
  const order = elements.map((_, i) => (reverse ? elements.length - 1 - i : i));
  let accumulator: T | undefined;
  for (const i of order) {
    const element = elements[i]!;
    accumulator = accumulator === undefined ? element : combine(accumulator, element);
    out[i] = accumulator;
  }
  return out;
}

const concatenate = (x: string, y: string): string => x + y;

/** 2×2 integer matrices modulo a prime, applied earlier-first: exact and non-commutative. */
type Matrix2 = readonly [number, number, number, number];
const modulus = 1_000_003;
const multiplyLaterEarlier = (earlier: Matrix2, later: Matrix2): Matrix2 => {
  const [a, b, c, d] = later;
  const [e, f, g, h] = earlier;
  return [
    (a * e + b * g) % modulus,
    (a * f + b * h) % modulus,
    (c * e + d * g) % modulus,
    (c * f + d * h) % modulus,
  ];
};

const chunkSizeArbitrary = fc.option(fc.integer({ min: 1, max: 70 }), { nil: undefined });

describe('associativeScan', () => {
  it('matches a fold for string concatenation (non-commutative), both directions', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 0, maxLength: 3 }), { minLength: 0, maxLength: 2000 }),
        fc.boolean(),
        chunkSizeArbitrary,
        (elements, reverse, chunkSize) => {
          const copy = elements.slice();
          const result = associativeScan(concatenate, elements, { reverse, chunkSize });
          expect(result).toEqual(foldScan(concatenate, elements, reverse));
          expect(elements).toEqual(copy);
        },
      ),
      { seed: 20261128, numRuns: 500 },
    );
  });

  it('matches a fold for 2×2 matrix products mod p, given as a ScanOperator', () => {
    const operator: ScanOperator<Matrix2> = {
      name: 'matrix2-mod-p',
      combine: multiplyLaterEarlier,
      identity: () => [1, 0, 0, 1],
      wgsl: {
        elementType: 'unused',
        combine: { name: 'unused', code: '' },
        identity: { name: 'unused', code: '' },
      },
    };
    const entry = fc.integer({ min: 0, max: modulus - 1 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(entry, entry, entry, entry), { minLength: 1, maxLength: 600 }),
        fc.boolean(),
        chunkSizeArbitrary,
        (elements, reverse, chunkSize) => {
          const result = associativeScan(operator, elements, { reverse, chunkSize });
          expect(result).toEqual(foldScan(multiplyLaterEarlier, elements, reverse));
        },
      ),
      { seed: 7, numRuns: 500 },
    );
  });

  it('combines chunk totals in a tree: fewer sequential steps than a fold for long inputs', () => {
    // Depth of a combination = 1 + max depth of its operands; a fold of n elements has depth n - 1.
    const depths = associativeScan((x: number, y: number) => Math.max(x, y) + 1, new Array(10_000).fill(0));
    expect(depths).toHaveLength(10_000);
    expect(Math.max(...depths)).toBeLessThan(250);
  });

  it('returns an empty array for no elements and rejects a bad chunk size', () => {
    expect(associativeScan(concatenate, [])).toEqual([]);
    for (const chunkSize of [0, -1, 1.5, Number.NaN]) {
      expect(() => associativeScan(concatenate, ['a'], { chunkSize })).toThrow(ScanInputError);
    }
    try {
      associativeScan(concatenate, ['a'], { chunkSize: 0 });
    } catch (error) {
      expect(error).toMatchObject({ argument: 'chunkSize', expected: 'a positive integer' });
    }
  });
});
