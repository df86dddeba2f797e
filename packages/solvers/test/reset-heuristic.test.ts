import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../src/index.ts';
import {
  elementwiseCell,
  maxAbsDifference,
  seededRandom,
  sequentialOracle,
  uniformArray,
} from './support.ts';

const largest = (states: ArrayLike<number>) => {
  let maximum = 0;
  for (let i = 0; i < states.length; i++) {
    const magnitude = Math.abs(states[i] as number);
    if (!(magnitude <= maximum)) maximum = magnitude;
  }
  return maximum;
};

describe('the reset heuristic', () => {
  it('undamped DEER overflowing on an expansive cell: never NaN states reported as converged', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.boolean(),
        fc.constantFrom(8, 400),
        fc.constantFrom('f64', 'f32'),
        async (seed, reset, maxIterations, precision) => {
          const random = seededRandom(seed);
          // s' = 3 tanh(w ⊙ s + v u + c) with |w| up to 3: |∂f/∂s| up to 9, so the first Newton iterate from
          // zeros grows like 9^t and overflows long before T = 400.
          const cell = elementwiseCell(2, 1, random, 3, 3);
          const length = 400;
          const inputs64 = uniformArray(random, length, 0.5);
          const inputs = precision === 'f64' ? inputs64 : Float32Array.from(inputs64);
          const initialState = precision === 'f64' ? new Float64Array(2) : new Float32Array(2);
          const truth = sequentialOracle(cell, inputs, initialState, 1, length);
          const result = await evaluate(cell, {
            inputs,
            initialState,
            method: 'deer',
            reset,
            maxIterations,
            trace: largest,
          });
          const peak = Math.max(
            ...(result.trace?.states ?? []).map((value) => (Number.isNaN(value) ? Infinity : value)),
          );
          // The case really overflows: clipped to 1e8 with the heuristic, NaN/Infinity (or astronomically large) without.
          expect(peak).toBeGreaterThanOrEqual(reset ? 1e8 : 1e30);
          if (result.converged) {
            expect(result.states.every(Number.isFinite)).toBe(true);
            expect(maxAbsDifference(result.states, truth)).toBeLessThan(precision === 'f64' ? 1e-9 : 1e-4);
          } else {
            expect(result.perSequence.stopReason).toEqual(['maxIterations']);
          }
          if (!result.states.every(Number.isFinite)) expect(result.converged).toBe(false);
        },
      ),
      { seed: 5201, numRuns: 24 },
    );
  });
});
