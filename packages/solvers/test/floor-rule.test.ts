import { gru } from '@elk/cells';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createCpuBackend,
  evaluate,
  floorDecision,
  floorStopHorizon,
  IterationFlag,
  type SequenceHistory,
  solverDefaults,
  unitRoundoff,
} from '../src/index.ts';
import { maxAbsDifference, seededRandom, sequentialOracle, uniformArray } from './support.ts';

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
    expect(wild.near).toBe(false);
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

describe('the floor rule with a status read every k iterations', () => {
  it('stops by the same rule within k − 1 iterations of a read every iteration, reporting the iterations run', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.integer({ min: 2, max: 8 }),
        fc.integer({ min: 500, max: 3000 }),
        fc.constantFrom('quasi-deer', 'deer'),
        fc.integer({ min: 2, max: 8 }),
        async (seed, dim, length, method, checkEvery) => {
          const random = seededRandom(seed);
          const base = gru({ hidden: dim, input: dim, seed });
          let linearized = 0;
          // Counts the iterations really run (one linearisation each).
          const cell = {
            ...base,
            linearize: (...args: Parameters<typeof base.linearize>) => {
              linearized++;
              base.linearize(...args);
            },
          };
          const inputs = Float32Array.from(uniformArray(random, length * dim, 2));
          const initialState = new Float32Array(dim);
          const every = await evaluate(cell, { inputs, initialState, method });
          linearized = 0;
          const sparse = await evaluate(cell, { inputs, initialState, method, checkEvery });
          expect(sparse.perSequence.stopReason).toEqual(every.perSequence.stopReason);
          expect(sparse.iterations).toBe(linearized);
          expect(sparse.iterations).toBeGreaterThanOrEqual(every.iterations);
          expect(sparse.iterations).toBeLessThanOrEqual(every.iterations + checkEvery - 1);
        },
      ),
      { seed: 5404, numRuns: 12 },
    );
  });
});

describe('floorStopHorizon', () => {
  it('no continuation stops before the horizon (random histories, stall-friendly and random continuations)', () => {
    const window = solverDefaults.floorWindow;
    const ceiling = unitRoundoff('f32') * context.length;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 14 }),
        fc.double({ min: 0.02, max: 1.6, noNaN: true }),
        fc.double({ min: 1e-9, max: 1, noNaN: true }),
        fc.array(fc.double({ min: 0.5, max: 2, noNaN: true }), { minLength: 14, maxLength: 14 }),
        fc.option(fc.integer({ min: 0, max: 13 }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 13 }), { nil: undefined }),
        fc.array(fc.double({ min: 0, max: 2, noNaN: true }), { minLength: 8, maxLength: 8 }),
        (n, ratio, scale, noise, resetAt, nanAt, randomTail) => {
          // Steps below the ceiling (so only what the horizon reasons about can block a stop), merit tiny.
          const steps = Array.from({ length: n }, (_, j) =>
            j === nanAt ? Number.NaN : ceiling * scale * ratio ** j * (noise[j] ?? 1),
          );
          const flags = steps.map((_, j) => (j === resetAt ? IterationFlag.reset : 0));
          const known = history(steps, { merit: steps.map(() => 0), flags });
          const horizon = floorStopHorizon(known, context);
          expect(horizon).toBeGreaterThanOrEqual(1);
          const finiteSteps = steps.filter((step) => Number.isFinite(step));
          const largest = finiteSteps.length > 0 ? Math.max(...finiteSteps) : ceiling * scale;
          const tails = [
            (k: number) => new Array<number>(k).fill(Math.min(largest, ceiling)),
            (k: number) => randomTail.slice(0, k).map((value) => value * ceiling * scale),
          ];
          for (let k = 1; k < Math.min(horizon, 9); k++) {
            for (const tail of tails) {
              const extended = [...steps, ...tail(k)];
              const decision = floorDecision(
                history(extended, {
                  merit: extended.map(() => 0),
                  flags: [...flags, ...tail(k).map(() => 0)],
                }),
                context,
              );
              expect(decision.stop, `n=${n} k=${k} horizon=${horizon}`).toBe(false);
            }
          }
        },
      ),
      { seed: 7707, numRuns: 2000 },
    );
    // A short history waits for a full window; a steadily shrinking step lets the next reads wait.
    expect(floorStopHorizon(history([]), context)).toBe(window);
    expect(floorStopHorizon(history([1e-3, 1e-4, 1e-5]), context)).toBe(window - 3);
    expect(floorStopHorizon(history([1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8]), context)).toBe(3);
    // A plateau may stop at once.
    expect(floorStopHorizon(history([1e-6, 2e-6, 1e-6, 1.5e-6, 1e-6, 2e-6]), context)).toBe(1);
  });

  it('evaluate with a read every k iterations reads less when near the floor, and stops the same', async () => {
    const dim = 4;
    const length = 2000;
    const random = seededRandom(99);
    const cell = gru({ hidden: dim, input: dim, seed: 3 });
    const inputs = Float32Array.from(uniformArray(random, length * dim, 2));
    const initialState = new Float32Array(dim);
    let reads = 0;
    const backend = createCpuBackend();
    const counting = {
      ...backend,
      name: backend.name,
      checkEvery: 8,
      precision: backend.precision.bind(backend),
      destroy: () => backend.destroy(),
      async createSession(problem: Parameters<typeof backend.createSession>[0]) {
        const session = await backend.createSession(problem);
        const readStatus = session.readStatus.bind(session);
        session.readStatus = () => {
          reads++;
          return readStatus();
        };
        return session;
      },
    };
    const every = await evaluate(cell, { inputs, initialState, method: 'quasi-deer' });
    const sparse = await evaluate(cell, { inputs, initialState, method: 'quasi-deer', backend: counting });
    expect(sparse.perSequence.stopReason).toEqual(every.perSequence.stopReason);
    expect(sparse.iterations).toBeGreaterThanOrEqual(every.iterations);
    expect(sparse.iterations).toBeLessThanOrEqual(every.iterations + 7);
    // This case stops on the floor (21 iterations, as with a read every iteration) after 4 reads: 8, 16, then
    // at the horizons; reading every iteration once near, plus a last read, took 8.
    expect(sparse.perSequence.stopReason).toEqual(['floor']);
    expect(sparse.iterations).toBe(every.iterations);
    expect(reads).toBeGreaterThanOrEqual(Math.ceil(sparse.iterations / 8));
    expect(reads).toBeLessThanOrEqual(Math.ceil(sparse.iterations / 8) + 2);
  });
});
