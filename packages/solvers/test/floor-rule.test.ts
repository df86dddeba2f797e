import { gru } from '@elk/cells';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  evaluate,
  floorDecision,
  floorRuleSettings,
  IterationFlag,
  type SequenceHistory,
  solverDefaults,
  unitRoundoff,
} from '../src/index.ts';
import {
  hookedCpuBackend,
  maxAbsDifference,
  seededRandom,
  sequentialOracle,
  uniformArray,
} from './support.ts';

function history(
  steps: number[],
  options: { merit?: number[]; flags?: number[]; magnitude?: number | number[] } = {},
): SequenceHistory {
  const magnitude = options.magnitude ?? 1;
  return {
    step: Float64Array.from(steps),
    merit: Float64Array.from(options.merit ?? steps),
    magnitude:
      typeof magnitude === 'number'
        ? new Float64Array(steps.length).fill(magnitude)
        : Float64Array.from(magnitude),
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

describe('floorDecision on reset or wild iterates', () => {
  const plateau = [2e-6, 1e-6, 3e-6, 1.5e-6, 2e-6, 1e-6];
  it('waits floorResetMemory iterations after a reset or a magnitude at the clip bound, even before the window', () => {
    const memory = solverDefaults.floorResetMemory;
    const quiet = Array.from({ length: memory - 1 }, (_, j) => plateau[j % plateau.length] as number);
    const steps = [1, ...quiet];
    const flags = steps.map((_, j) => (j === 0 ? IterationFlag.reset : 0));
    expect(floorDecision(history(steps, { flags }), context).stop).toBe(false);
    expect(floorDecision(history([...steps, 2e-6], { flags: [...flags, 0] }), context).stop).toBe(true);
    const clipped = steps.map((_, j) => (j === 0 ? solverDefaults.resetBound : 1));
    expect(floorDecision(history(steps, { magnitude: clipped }), context).stop).toBe(false);
    expect(floorDecision(history([...steps, 2e-6], { magnitude: [...clipped, 1] }), context).stop).toBe(true);
    expect(floorDecision(history(plateau, { magnitude: [1, 1, 1, 1, 1, Number.NaN] }), context).stop).toBe(
      false,
    );
  });
  it('scales the ceiling by the smallest magnitude in the window, so one wild iterate cannot excuse its step', () => {
    // The AR-GRU's DEER in f32 before the fix: steps of tens with one iterate at 7e5, merit of tens.
    const steps = [45, 28, 36, 94, 121, 45];
    const magnitude = [22, 26, 45, 7e5, 88, 45];
    const wild = floorDecision(history(steps, { magnitude, merit: steps.map(() => 62) }), context);
    expect(wild.stop).toBe(false);
    expect(wild.floor).toBeLessThanOrEqual(unitRoundoff('f32') * 22 * context.length);
    // A plateau below the ceiling but one late step above it: not yet.
    const spike = [...plateau.slice(0, 5), 0.5];
    expect(floorDecision(history(spike, { magnitude: 1000 }), context).stop).toBe(false);
  });
  it('never lets a merit far above the floor of a sane magnitude pass, whatever the step noise', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1e-9, max: 1e3, noNaN: true }), { minLength: 6, maxLength: 64 }),
        fc.double({ min: 1, max: 1e7, noNaN: true }),
        fc.double({ min: 1, max: 1e6, noNaN: true }),
        (steps, magnitude, factor) => {
          const unit = unitRoundoff('f32') * magnitude;
          const merit = 10 * unit * context.length * factor * 1.01;
          const decision = floorDecision(
            history(steps, { magnitude, merit: steps.map(() => merit) }),
            context,
          );
          expect(decision.stop).toBe(false);
          expect(decision.floor).toBeLessThanOrEqual(unit * context.length);
        },
      ),
      { seed: 5403, numRuns: 300 },
    );
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

describe('the floor rule with a status read every k iterations, reads in flight', () => {
  it('stops every sequence at the same iteration with the same states as a read every iteration', async () => {
    const reasons = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 300, max: 2000 }),
        fc.constantFrom('quasi-deer', 'deer', 'quasi-elk'),
        fc.integer({ min: 2, max: 8 }),
        fc.integer({ min: 0, max: 3 }),
        async (seed, dim, length, method, checkEvery, readAhead) => {
          const random = seededRandom(seed);
          const cell = gru({ hidden: dim, input: dim, seed });
          const batch = 3;
          // Sequences of different scales stop at different iterations.
          const inputs = Float32Array.from(uniformArray(random, batch * length * dim, 2));
          for (let i = 0; i < length * dim; i++) inputs[i] = (inputs[i] as number) * 0.1;
          const initialState = new Float32Array(batch * dim);
          const every = await evaluate(cell, { inputs, initialState, method });
          const sparse = await evaluate(cell, { inputs, initialState, method, checkEvery, readAhead });
          expect(sparse.perSequence).toEqual(every.perSequence);
          expect(sparse.states).toEqual(every.states);
          for (const reason of every.perSequence.stopReason) reasons.add(reason);
        },
      ),
      { seed: 5404, numRuns: 16 },
    );
    expect(reasons.has('floor')).toBe(true);
  });

  it('reads once every k iterations, with reads in flight while it records further iterations', async () => {
    const dim = 4;
    const length = 2000;
    const random = seededRandom(99);
    const cell = gru({ hidden: dim, input: dim, seed: 3 });
    const inputs = Float32Array.from(uniformArray(random, length * dim, 2));
    const initialState = new Float32Array(dim);
    const events: string[] = [];
    const logging = hookedCpuBackend(
      { checkEvery: 4, readAhead: 2 },
      {
        update: (forward) => {
          events.push('update');
          forward();
        },
        readStatus: async (forward) => {
          events.push('read');
          const status = await forward();
          events.push(`answer ${status.iteration}`);
          return status;
        },
      },
    );
    const every = await evaluate(cell, { inputs, initialState, method: 'quasi-deer' });
    const sparse = await evaluate(cell, { inputs, initialState, method: 'quasi-deer', backend: logging });
    expect(sparse.perSequence).toEqual(every.perSequence);
    expect(sparse.perSequence.stopReason).toEqual(['floor']);
    const n = every.iterations;
    const updates = events.filter((event) => event === 'update').length;
    // The read that sees the stop is the first at a multiple of 4 from n on; up to 2 more reads' worth of
    // iterations were recorded before its answer was taken.
    const seen = Math.ceil(n / 4) * 4;
    expect(updates).toBeGreaterThanOrEqual(seen);
    expect(updates).toBeLessThanOrEqual(seen + 8);
    expect(events.filter((event) => event === 'read').length).toBe(updates / 4);
    // The first read (after iteration 4) is awaited only once a third is in flight, after iteration 12.
    const firstAnswer = events.indexOf('answer 4');
    expect(events.slice(0, firstAnswer).filter((event) => event === 'update').length).toBe(12);
  });
});

describe('reads in flight when the loop ends', () => {
  it("are awaited, and a read's error is reported, not lost", async () => {
    const dim = 3;
    const length = 500;
    const cell = gru({ hidden: dim, input: dim, seed: 4 });
    const inputs = Float32Array.from(uniformArray(seededRandom(4), length * dim, 2));
    const options = { inputs, initialState: new Float32Array(dim), method: 'quasi-deer' as const };
    const stop = (await evaluate(cell, options)).iterations;
    // Reads every 4 iterations, one in flight: the read after iteration ⌈stop/4⌉·4 sees the stop and is taken
    // once the next one (4 iterations on) is in flight; that next one fails, as a GPU error in the iterations
    // recorded past the stop would.
    const seen = Math.ceil(stop / 4) * 4;
    let updates = 0;
    let failedReads = 0;
    const failing = hookedCpuBackend(
      { checkEvery: 4, readAhead: 1 },
      {
        update: (forward) => {
          updates++;
          forward();
        },
        readStatus: async (forward) => {
          if (updates > seen) {
            failedReads++;
            throw new Error('device lost after the stop');
          }
          return forward();
        },
      },
    );
    await expect(evaluate(cell, { ...options, backend: failing })).rejects.toThrow(
      'device lost after the stop',
    );
    expect(failedReads).toBe(1);
    expect(updates).toBe(seen + 4);
  });
});

describe('floorRuleSettings', () => {
  it('fills the defaults and names a bad field', () => {
    expect(floorRuleSettings({}, 64)).toEqual({
      window: solverDefaults.floorWindow,
      resetMemory: solverDefaults.floorResetMemory,
      resetBound: solverDefaults.resetBound,
    });
    expect(() => floorRuleSettings({ window: 1 }, 64)).toThrow(
      /floor\.window: expected an integer from 2 to 64/,
    );
    expect(() => floorRuleSettings({ window: 9 }, 8)).toThrow(
      /floor\.window: expected an integer from 2 to 8/,
    );
    expect(() => floorRuleSettings({ resetMemory: -1 }, 64)).toThrow(/floor\.resetMemory/);
    expect(() => floorRuleSettings({ resetBound: 0 }, 64)).toThrow(/floor\.resetBound/);
  });
});
