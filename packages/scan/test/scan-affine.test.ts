import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FloatArray, scanAffineDense, scanAffineDiagonal } from '../src/index.ts';
import { epsilon32, epsilon64, firstViolation, random, referenceScan, uniform } from './oracle.ts';

/** Random shapes with batch·length·dim ≤ ~2000 states, both precisions and directions, x0 or not. */
const caseArbitrary = (maxDim: number) =>
  fc
    .record({
      batch: fc.integer({ min: 1, max: 4 }),
      length: fc.integer({ min: 1, max: 500 }),
      dim: fc.integer({ min: 1, max: maxDim }),
      reverse: fc.boolean(),
      withX0: fc.boolean(),
      f32: fc.boolean(),
      seed: fc.integer(),
      /** Largest |a|: below 1 (contracting) up to slightly expanding. */
      scale: fc.constantFrom(0.5, 0.99, 1.05),
    })
    .filter(({ batch, length, dim }) => batch * length * dim <= 2000);

function typed(values: Float64Array, f32: boolean): FloatArray {
  return f32 ? new Float32Array(values) : new Float64Array(values);
}

describe('scanAffineDiagonal', () => {
  it('matches the sequential recurrence (f64 oracle; f32 within c·ε32·Σ|terms|)', () => {
    fc.assert(
      fc.property(caseArbitrary(16), ({ batch, length, dim, reverse, withX0, f32, seed, scale }) => {
        const next = random(seed);
        const states = batch * length * dim;
        const a = typed(uniform(next, states, -scale, scale), f32);
        const b = typed(uniform(next, states, -1, 1), f32);
        const x0 = withX0 ? typed(uniform(next, batch * dim, -2, 2), f32) : undefined;
        const x = scanAffineDiagonal({ a, b, x0, batch, length, dim, reverse });
        expect(x).toBeInstanceOf(f32 ? Float32Array : Float64Array);
        expect(x).toHaveLength(states);
        const reference = referenceScan({ batch, length, dim, reverse }, a, b, x0, false);
        expect(firstViolation(x, reference, f32 ? epsilon32 : epsilon64, 2)).toBeUndefined();
      }),
      { seed: 1128, numRuns: 500 },
    );
  });

  it('writes into `out`, also in place over `b`', () => {
    const next = random(3);
    const a = new Float32Array(uniform(next, 60, -1, 1));
    const b = new Float32Array(uniform(next, 60, -1, 1));
    const expected = scanAffineDiagonal({ a, b, batch: 2, length: 10, dim: 3, reverse: true });
    const out = new Float32Array(60);
    expect(scanAffineDiagonal({ a, b, batch: 2, length: 10, dim: 3, reverse: true, out })).toBe(out);
    expect(out).toEqual(expected);
    expect(scanAffineDiagonal({ a, b, batch: 2, length: 10, dim: 3, reverse: true, out: b })).toBe(b);
    expect(b).toEqual(expected);
  });
});

describe('scanAffineDense', () => {
  it('matches the sequential recurrence (f64 oracle; f32 within c·ε32·Σ|terms|)', () => {
    fc.assert(
      fc.property(caseArbitrary(8), ({ batch, length, dim, reverse, withX0, f32, seed, scale }) => {
        const next = random(seed);
        const states = batch * length * dim;
        // Entries scaled so that the row sums of |A| stay near `scale`.
        const a = typed(uniform(next, states * dim, -scale / dim, scale / dim), f32);
        const b = typed(uniform(next, states, -1, 1), f32);
        const x0 = withX0 ? typed(uniform(next, batch * dim, -2, 2), f32) : undefined;
        const x = scanAffineDense({ a, b, x0, batch, length, dim, reverse });
        expect(x).toBeInstanceOf(f32 ? Float32Array : Float64Array);
        expect(x).toHaveLength(states);
        const reference = referenceScan({ batch, length, dim, reverse }, a, b, x0, true);
        // f64: the oracle sums in the same order up to the placement of b; allow dim + 2 roundings.
        const factor = f32 ? 2 : dim + 2;
        expect(firstViolation(x, reference, f32 ? epsilon32 : epsilon64, factor)).toBeUndefined();
      }),
      { seed: 2811, numRuns: 500 },
    );
  });

  it('equals the diagonal scan when every A_t is diagonal', () => {
    fc.assert(
      fc.property(caseArbitrary(6), ({ batch, length, dim, reverse, withX0, seed }) => {
        const next = random(seed);
        const states = batch * length * dim;
        const diagonal = uniform(next, states, -1, 1);
        const dense = new Float64Array(states * dim);
        diagonal.forEach((value, index) => {
          dense[index * dim + (index % dim)] = value;
        });
        const b = uniform(next, states, -1, 1);
        const x0 = withX0 ? uniform(next, batch * dim, -1, 1) : undefined;
        const options = { b, x0, batch, length, dim, reverse };
        expect(scanAffineDense({ ...options, a: dense })).toEqual(
          scanAffineDiagonal({ ...options, a: diagonal }),
        );
      }),
      { seed: 99, numRuns: 100 },
    );
  });

  it('writes into `out`, also in place over `b`', () => {
    const next = random(5);
    const a = new Float64Array(uniform(next, 2 * 7 * 9, -0.5, 0.5));
    const b = new Float64Array(uniform(next, 2 * 7 * 3, -1, 1));
    const x0 = new Float64Array(uniform(next, 6, -1, 1));
    const expected = scanAffineDense({ a, b, x0, batch: 2, length: 7, dim: 3 });
    const out = new Float64Array(42);
    expect(scanAffineDense({ a, b, x0, batch: 2, length: 7, dim: 3, out })).toBe(out);
    expect(out).toEqual(expected);
    expect(scanAffineDense({ a, b, x0, batch: 2, length: 7, dim: 3, out: b })).toBe(b);
    expect(b).toEqual(expected);
  });
});

describe('scanAffineDiagonal with compensated accumulation', () => {
  it('stays within about one rounding of the exact recurrence (f32), and matches it in f64', () => {
    fc.assert(
      fc.property(caseArbitrary(8), ({ batch, length, dim, reverse, withX0, f32, seed, scale }) => {
        const next = random(seed);
        const states = batch * length * dim;
        const a = typed(uniform(next, states, -scale, scale), f32);
        const b = typed(uniform(next, states, -1, 1), f32);
        const x0 = withX0 ? typed(uniform(next, batch * dim, -2, 2), f32) : undefined;
        const x = scanAffineDiagonal({ a, b, x0, batch, length, dim, reverse, compensated: true });
        const reference = referenceScan({ batch, length, dim, reverse }, a, b, x0, false);
        // One rounding of x_t in the array's precision, plus the f64 oracle's own error (≤ ε64·S_t).
        const unit = f32 ? epsilon32 : epsilon64;
        reference.x.forEach((value, index) => {
          const allowed = unit * Math.abs(value) + 4 * epsilon64 * reference.bound[index]!;
          if (!(Math.abs(x[index]! - value) <= allowed)) {
            expect.fail(`index ${index}: got ${x[index]}, expected ${value}, allowed error ${allowed}`);
          }
        });
      }),
      { seed: 4242, numRuns: 300 },
    );
  });

  it('is more accurate than the plain f32 recurrence on a long, slowly decaying scan', () => {
    const length = 20_000;
    const next = random(11);
    const a = new Float32Array(uniform(next, length, 0.999, 0.9999));
    const b = new Float32Array(uniform(next, length, -1, 1));
    const reference = referenceScan({ batch: 1, length, dim: 1, reverse: false }, a, b, undefined, false);
    const maximumError = (x: Float32Array) =>
      Math.max(...Array.from(x, (value, index) => Math.abs(value - reference.x[index]!)));
    const plain = maximumError(scanAffineDiagonal({ a, b, batch: 1, length, dim: 1 }));
    const compensated = maximumError(
      scanAffineDiagonal({ a, b, batch: 1, length, dim: 1, compensated: true }),
    );
    expect(compensated).toBeLessThan(plain / 10);
  });
});
