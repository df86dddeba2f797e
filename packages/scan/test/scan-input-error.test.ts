import { describe, expect, it } from 'vitest';
import {
  type AffineScanOptions,
  type FloatArray,
  ScanInputError,
  scanAffineDense,
  scanAffineDiagonal,
} from '../src/index.ts';

function thrown(run: () => unknown): ScanInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof ScanInputError) return error;
    throw error;
  }
  throw new Error('expected a ScanInputError');
}

const valid = (): AffineScanOptions<Float64Array> => ({
  a: new Float64Array(2 * 3 * 4),
  b: new Float64Array(2 * 3 * 4),
  x0: new Float64Array(2 * 4),
  batch: 2,
  length: 3,
  dim: 4,
});

describe('ScanInputError', () => {
  it('accepts valid input', () => {
    expect(scanAffineDiagonal(valid())).toHaveLength(24);
    expect(scanAffineDense({ ...valid(), a: new Float64Array(2 * 3 * 4 * 4) })).toHaveLength(24);
  });

  it('names a non-positive, non-integer or NaN size', () => {
    for (const argument of ['batch', 'length', 'dim'] as const) {
      for (const value of [0, -2, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        const error = thrown(() => scanAffineDiagonal({ ...valid(), [argument]: value }));
        expect(error).toMatchObject({ argument, expected: 'a positive integer', received: String(value) });
        expect(error.message).toContain(argument);
      }
    }
  });

  it('names an array of the wrong length with the expected length', () => {
    const cases: [keyof AffineScanOptions<Float64Array>, number, number][] = [
      ['a', 23, 24],
      ['b', 25, 24],
      ['x0', 4, 8],
      ['out', 12, 24],
    ];
    for (const [argument, wrong, expected] of cases) {
      const error = thrown(() => scanAffineDiagonal({ ...valid(), [argument]: new Float64Array(wrong) }));
      expect(error.argument).toBe(argument);
      expect(error.expected).toContain(`length ${expected}`);
    }
    const dense = thrown(() => scanAffineDense(valid()));
    expect(dense.argument).toBe('a');
    expect(dense.expected).toContain('length 96');
  });

  it('rejects mixed precisions and non-float arrays', () => {
    const mixed: AffineScanOptions<FloatArray> = { ...valid(), b: new Float32Array(24) };
    const error = thrown(() => scanAffineDiagonal(mixed));
    expect(error).toMatchObject({ argument: 'b', expected: 'a Float64Array (the type of a)' });
    const mixedX0: AffineScanOptions<FloatArray> = { ...valid(), x0: new Float32Array(8) };
    expect(thrown(() => scanAffineDense(mixedX0)).argument).toBe('a');
    const mixedDense: AffineScanOptions<FloatArray> = {
      ...valid(),
      a: new Float64Array(96),
      x0: new Float32Array(8),
    };
    expect(thrown(() => scanAffineDense(mixedDense)).argument).toBe('x0');
    const integers = { ...valid(), a: new Int32Array(24) };
    // @ts-expect-error: integer arrays are rejected at compile time and at run time.
    expect(thrown(() => scanAffineDiagonal(integers))).toMatchObject({
      argument: 'a',
      expected: 'a Float32Array or Float64Array',
    });
  });
});
