import { gru } from '@elk/cells';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createCpuBackend,
  evaluate,
  floorDecision,
  IterationFlag,
  type Session,
  sequenceHistory,
} from '../src/index.ts';
import { maxAbsDifference, seededRandom, sequentialOracle, uniformArray } from './support.ts';

/**
 * A damped Newton method of one's own, composed from the session primitives: DEER's linearisation and scan,
 * then a step of length α toward the Newton candidate (the example of the README).
 */
async function dampedNewton(session: Session, damping: number, iterations: number): Promise<number> {
  let used = 0;
  for (; used < iterations; used++) {
    session.linearize('dense');
    session.solveAffine('dense');
    session.update({ tolerance: 1e-10, criterion: 'step', reset: true, damping });
    const status = await session.readStatus();
    if (!status.active.includes(1)) return used + 1;
  }
  return used;
}

describe('composing a solver from the session primitives', () => {
  it('a damped Newton converges to the sequential answer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.double({ min: 0.3, max: 1, noNaN: true }),
        async (seed, damping) => {
          const random = seededRandom(seed);
          const cell = gru({ hidden: 4, input: 2, seed });
          const batch = 2;
          const length = 50;
          const inputs = uniformArray(random, batch * length * 2, 2);
          const initialState = uniformArray(random, batch * 4);
          const backend = createCpuBackend();
          const session = await backend.createSession({ cell, batch, length, inputs, initialState });
          const used = await dampedNewton(session, damping, 400);
          expect(used).toBeLessThan(400);
          const truth = sequentialOracle(cell, inputs, initialState, batch, length);
          expect(maxAbsDifference(await session.readStates(), truth)).toBeLessThan(1e-8);
          backend.destroy();
        },
      ),
      { seed: 5301, numRuns: 15 },
    );
  });

  it('update freezes converged sequences, counts iterations and keeps a history, oldest first', async () => {
    const random = seededRandom(7);
    const cell = gru({ hidden: 3, input: 1, seed: 7 });
    const length = 30;
    const inputs = uniformArray(random, 2 * length, 1);
    const backend = createCpuBackend();
    const session = await backend.createSession({
      cell,
      batch: 2,
      length,
      inputs,
      initialState: new Float64Array(6),
      historyCapacity: 4,
    });
    session.setActive(Uint8Array.of(1, 0));
    const frozen = await session.readStates();
    for (let i = 0; i < 6; i++) {
      session.linearize('diagonal');
      session.solveAffine('diagonal');
      session.update({ tolerance: 0, criterion: 'step', reset: true });
    }
    const status = await session.readStatus();
    expect(status.iteration).toBe(6);
    expect(Array.from(status.iterations)).toEqual([6, 0]);
    expect(Array.from(status.history.count)).toEqual([4, 0]);
    const steps = Array.from(status.history.step.subarray(0, 4));
    // quasi-DEER steps shrink on this contracting cell: oldest first means decreasing.
    for (let j = 1; j < 4; j++) expect(steps[j]).toBeLessThan(steps[j - 1] as number);
    const states = await session.readStates();
    // The inactive sequence did not move.
    expect(maxAbsDifference(states.subarray(length * 3), frozen.subarray(length * 3))).toBe(0);
    // The merit rule stops a sequence whose iterate already satisfies it, without changing it.
    session.setActive(Uint8Array.of(1, 1));
    for (let i = 0; i < 40; i++) {
      session.linearize('dense');
      session.solveAffine('dense');
      session.update({ tolerance: 1e-12, criterion: 'merit', reset: true });
    }
    const done = await session.readStatus();
    expect(Array.from(done.active)).toEqual([0, 0]);
    expect(Array.from(done.toleranceMet)).toEqual([1, 1]);
    const truth = sequentialOracle(cell, inputs, new Float64Array(6), 2, length);
    expect(maxAbsDifference(await session.readStates(), truth)).toBeLessThan(1e-11);
    backend.destroy();
  });

  it('the trust region rejects a step that raises the merit and raises λ', async () => {
    const cell = gru({ hidden: 2, input: 1, seed: 3 });
    const length = 20;
    const random = seededRandom(3);
    const inputs = uniformArray(random, length);
    const truth = sequentialOracle(cell, inputs, new Float64Array(2), 1, length);
    const backend = createCpuBackend();
    const session = await backend.createSession({
      cell,
      batch: 1,
      length,
      inputs,
      initialState: new Float64Array(2),
      initialGuess: truth,
    });
    session.setLambda(1);
    session.linearize('dense');
    // A candidate far from the solution has a larger merit than the solution itself: rejected.
    session.writeStates(uniformArray(random, length * 2, 5), 'candidate');
    const trustRegion = { increase: 10, decrease: 0.1, minimum: 1e-12, maximum: 1e12 };
    session.update({ tolerance: 0, criterion: 'step', reset: true, trustRegion });
    const status = await session.readStatus();
    expect(status.lambda[0]).toBe(10);
    expect((status.history.flags[0] as number) & IterationFlag.rejected).toBe(IterationFlag.rejected);
    expect(maxAbsDifference(await session.readStates(), truth)).toBe(0);
    backend.destroy();
  });

  it('sequential() writes the oracle; trace records states, steps and merits per iteration', async () => {
    const random = seededRandom(11);
    const cell = gru({ hidden: 3, input: 2, seed: 11 });
    const inputs = uniformArray(random, 3 * 40 * 2, 2);
    const initialState = uniformArray(random, 9);
    const truth = sequentialOracle(cell, inputs, initialState, 3, 40);
    const sequential = await evaluate(cell, { inputs, initialState, method: 'sequential' });
    expect(maxAbsDifference(sequential.states, truth)).toBeLessThan(1e-15);
    const traced = await evaluate(cell, {
      inputs,
      initialState,
      method: 'quasi-deer',
      trace: (states) => maxAbsDifference(states, truth),
    });
    const trace = traced.trace;
    expect(trace?.states.length).toBe(traced.iterations + 1);
    expect(trace?.step.length).toBe(traced.iterations);
    expect(trace?.states.at(-1)).toBeLessThan(1e-6);
    // Error and merit fall over the run.
    expect(trace?.states.at(-1)).toBeLessThan((trace?.states[1] ?? 0) * 1e-3);
    expect(trace?.merit.at(-1)?.[0]).toBeLessThan((trace?.merit[0]?.[0] ?? 0) * 1e-3);
    const adaptive = await evaluate(cell, { inputs, initialState, method: 'elk', lambda: 'adaptive' });
    expect(adaptive.converged).toBe(true);
    expect(maxAbsDifference(adaptive.states, truth)).toBeLessThan(1e-6);
    const merit = await evaluate(cell, {
      inputs,
      initialState,
      method: 'deer',
      criterion: 'merit',
      tolerance: 1e-12,
    });
    expect(merit.converged).toBe(true);
    expect(maxAbsDifference(merit.states, truth)).toBeLessThan(1e-11);
  });
});

describe('update with the floor rule', () => {
  it('stops a sequence at the first iteration whose history floorDecision stops, and says so', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.integer({ min: 2, max: 6 }),
        fc.constantFrom<'diagonal' | 'dense'>('diagonal', 'dense'),
        fc.integer({ min: 3, max: 8 }),
        async (seed, dim, mode, window) => {
          const random = seededRandom(seed);
          const cell = gru({ hidden: dim, input: dim, seed });
          const batch = 3;
          const length = 800;
          const inputs = Float32Array.from(uniformArray(random, batch * length * dim, 2));
          const initialState = new Float32Array(batch * dim);
          const backend = createCpuBackend();
          const problem = { cell, batch, length, inputs, initialState };
          const ruled = await backend.createSession(problem);
          const plain = await backend.createSession(problem);
          const update = { tolerance: 0, criterion: 'step' as const, reset: true };
          const context = { precision: 'f32' as const, length, window };
          const stoppedAt = new Array<number>(batch).fill(0);
          for (let iteration = 1; iteration <= 60; iteration++) {
            for (const session of [ruled, plain]) {
              session.linearize(mode);
              session.solveAffine(mode);
            }
            ruled.update({ ...update, floor: { window } });
            plain.update(update);
            const expected = await plain.readStatus();
            const status = await ruled.readStatus();
            for (let b = 0; b < batch; b++) {
              if (stoppedAt[b] !== 0) continue;
              const stop = floorDecision(sequenceHistory(expected.history, b), context).stop;
              expect(status.active[b]).toBe(stop ? 0 : 1);
              expect(status.floorMet[b]).toBe(stop ? 1 : 0);
              if (stop) stoppedAt[b] = iteration;
            }
          }
          // Each sequence stopped, counting the iterations it ran, with the tolerance not met.
          const status = await ruled.readStatus();
          expect(stoppedAt.every((at) => at > 0)).toBe(true);
          expect(Array.from(status.iterations)).toEqual(stoppedAt);
          expect(Array.from(status.toleranceMet)).toEqual([0, 0, 0]);
          backend.destroy();
        },
      ),
      { seed: 5302, numRuns: 12 },
    );
  });

  it('names a bad setting', async () => {
    const cell = gru({ hidden: 2, input: 1, seed: 1 });
    const backend = createCpuBackend();
    const session = await backend.createSession({
      cell,
      batch: 1,
      length: 4,
      inputs: new Float32Array(4),
      initialState: new Float32Array(2),
      historyCapacity: 8,
    });
    expect(() =>
      session.update({ tolerance: 0, criterion: 'step', reset: true, floor: { window: 12 } }),
    ).toThrow(/floor\.window: expected an integer from 2 to 8, received 12/);
    backend.destroy();
  });
});
