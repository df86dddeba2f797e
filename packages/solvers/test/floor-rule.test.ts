import { gru } from '@elk/cells';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, floorDecision, IterationFlag, type SequenceHistory, unitRoundoff } from '../src/index.ts';
import { maxAbsDifference, seededRandom, sequentialOracle, uniformArray } from './support.ts';

function history(
  steps: number[],
  options: { merit?: number[]; flags?: number[]; magnitude?: number } = {},
): SequenceHistory {
  return {
    step: Float64Array.from(steps),
    merit: Float64Array.from(options.merit ?? steps),
    magnitude: new Float64Array(steps.length).fill(options.magnitude ?? 1),
    flags: Uint8Array.from(options.flags ?? steps.map(() => 0)),
  };
}

const context = { precision: 'f32', length: 1000 } as const;

describe('floorDecision', () => {
  it('stops on a plateau of noise below the ceiling and reports its level', () => {
    const decision = floorDecision(history([1e-2, 1e-4, 2e-6, 1e-6, 3e-6, 1.5e-6, 2e-6, 1e-6]), context);
    expect(decision.stop).toBe(true);
    expect(decision.floor).toBeGreaterThanOrEqual(1e-6);
    expect(decision.floor).toBeLessThanOrEqual(3e-6);
  });
  it('never stops while the step shrinks geometrically, however slowly', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 0.999, noNaN: true }),
        fc.double({ min: 1e-12, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 64 }),
        (ratio, start, count) => {
          const steps = Array.from({ length: count }, (_, j) => start * ratio ** j);
          expect(floorDecision(history(steps), context).stop).toBe(false);
        },
      ),
      { seed: 5401, numRuns: 500 },
    );
  });
  it('does not stop above the ceiling ε·M·T, with a reset or rejection in the window, or with a large merit', () => {
    const plateau = [2e-6, 1e-6, 3e-6, 1.5e-6, 2e-6, 1e-6];
    expect(floorDecision(history(plateau), context).stop).toBe(true);
    const ceiling = unitRoundoff('f32') * 1000;
    expect(floorDecision(history(plateau.map((s) => (s * (2 * ceiling)) / 1e-6)), context).stop).toBe(false);
    for (const flag of [IterationFlag.reset, IterationFlag.rejected]) {
      expect(floorDecision(history(plateau, { flags: [0, 0, flag, 0, 0, 0] }), context).stop).toBe(false);
    }
    expect(floorDecision(history(plateau, { merit: plateau.map(() => 1e-3) }), context).stop).toBe(false);
    expect(floorDecision(history(plateau.slice(1)), context).stop).toBe(false);
    expect(floorDecision(history([...plateau.slice(0, 5), Number.NaN]), context).stop).toBe(false);
  });
});

describe('the precision-aware rule on f32 evaluations', () => {
  it('stops where f64 converges, never with an error beyond 10× the f32 sequential error', async () => {
    const reasons = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.integer({ min: 2, max: 10 }),
        fc.integer({ min: 100, max: 3000 }),
        fc.constantFrom('quasi-deer', 'deer', 'quasi-elk'),
        fc.constantFrom('flax', 'torch'),
        async (seed, dim, length, method, layout) => {
          const random = seededRandom(seed);
          const cell = gru({ hidden: dim, input: dim, seed, layout });
          const batch = 2;
          const inputs64 = uniformArray(random, batch * length * dim, 2);
          const initial64 = uniformArray(random, batch * dim, 0.5);
          const truth = sequentialOracle(cell, inputs64, initial64, batch, length);
          const f64 = await evaluate(cell, { inputs: inputs64, initialState: initial64, method });
          const inputs = Float32Array.from(inputs64);
          const initialState = Float32Array.from(initial64);
          const sequential32 = await evaluate(cell, { inputs, initialState, method: 'sequential' });
          const honest = maxAbsDifference(sequential32.states, truth);
          const f32 = await evaluate(cell, { inputs, initialState, method });
          if (f64.converged) expect(f32.perSequence.stopReason).not.toContain('maxIterations');
          for (const reason of f32.perSequence.stopReason) reasons.add(reason);
          for (let b = 0; b < batch; b++) {
            if (f32.perSequence.converged[b]) {
              const slice = (x: ArrayLike<number>) =>
                Array.from({ length: length * dim }, (_, k) => x[b * length * dim + k] as number);
              const bound = 10 * Math.max(honest, unitRoundoff('f32'));
              expect(maxAbsDifference(slice(f32.states), slice(truth))).toBeLessThanOrEqual(bound);
            }
          }
        },
      ),
      { seed: 5402, numRuns: 16 },
    );
    // The runs exercised the floor rule itself, not only the tolerance.
    expect(reasons.has('floor')).toBe(true);
  });
});
