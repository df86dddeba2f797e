import { gru } from '@elk/cells';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, IterationFlag, type SessionStatus } from '../src/index.ts';
import { predictedStop } from '../src/stopping/predicted-stop.ts';
import { hookedCpuBackend, seededRandom, uniformArray } from './support.ts';

interface SequenceEntries {
  readonly steps: number[];
  readonly merit?: number[];
  readonly flags?: number[];
  readonly magnitude?: number;
  readonly active?: boolean;
}

/** A status after `iteration` iterations whose history holds each sequence's entries (oldest first). */
function statusOf(iteration: number, sequences: SequenceEntries[]): SessionStatus {
  const capacity = 8;
  const B = sequences.length;
  const step = new Float64Array(B * capacity);
  const merit = new Float64Array(B * capacity);
  const magnitude = new Float64Array(B * capacity);
  const flags = new Uint8Array(B * capacity);
  const count = new Uint32Array(B);
  sequences.forEach((sequence, b) => {
    count[b] = sequence.steps.length;
    step.set(sequence.steps, b * capacity);
    merit.set(sequence.merit ?? sequence.steps, b * capacity);
    magnitude.fill(sequence.magnitude ?? 1, b * capacity, (b + 1) * capacity);
    flags.set(sequence.flags ?? [], b * capacity);
  });
  const active = Uint8Array.from(sequences, (sequence) => (sequence.active === false ? 0 : 1));
  return {
    iteration,
    active,
    toleranceMet: new Uint8Array(B),
    floorMet: new Uint8Array(B),
    iterations: new Uint32Array(B).fill(iteration),
    lambda: new Float64Array(B),
    history: { capacity, count, step, merit, magnitude, flags },
  };
}

const f32Step = { tolerance: 1e-4, criterion: 'step', precision: 'f32' } as const;

describe('predictedStop', () => {
  const steady = [8e-2, 3e-2, 9e-3, 3.6e-3];

  it('extrapolates the mean rate of the last four iterations to the tolerance, for the slowest running sequence', () => {
    // Mean ratio (3.6e-3 / 8e-2)^(1/3) ≈ 0.356: 3.6e-3 · 0.356^k ≤ 1e-4 from k = 4 on.
    expect(predictedStop(statusOf(8, [{ steps: steady }]), f32Step)).toBe(12);
    // Entries before the last four do not count.
    expect(predictedStop(statusOf(8, [{ steps: [1e-3, ...steady] }]), f32Step)).toBe(12);
    const fast = { steps: [1e-1, 1e-2, 1e-3, 1.5e-4] };
    expect(predictedStop(statusOf(8, [fast]), f32Step)).toBe(9);
    expect(predictedStop(statusOf(8, [fast, { steps: steady }]), f32Step)).toBe(12);
    // A stopped sequence's entries are not looked at.
    const stopped = { steps: [1, 1, 1, 1], active: false };
    expect(predictedStop(statusOf(8, [fast, stopped]), f32Step)).toBe(9);
    expect(predictedStop(statusOf(8, [stopped]), f32Step)).toBeUndefined();
  });

  it('follows the merit under the merit criterion', () => {
    const status = statusOf(5, [{ steps: [1, 1, 1, 1], merit: [1e-1, 1e-2, 1e-3, 1.5e-4] }]);
    expect(predictedStop(status, { ...f32Step, criterion: 'merit' })).toBe(6);
    expect(predictedStop(status, f32Step)).toBeUndefined();
  });

  it('predicts nothing without a steady geometric decrease well above the rounding', () => {
    const none = (sequence: SequenceEntries, context: Parameters<typeof predictedStop>[1] = f32Step) =>
      predictedStop(statusOf(8, [{ steps: steady }, sequence]), context);
    expect(none({ steps: [1e-2, 9e-3, 8.1e-3, 7.3e-3] })).toBeUndefined(); // ratio 0.9
    expect(none({ steps: [1e-2, 1e-3, 2e-3, 2e-4] })).toBeUndefined(); // one rise
    expect(none({ steps: [3e-2, 9e-3, 3.6e-3] })).toBeUndefined(); // three entries
    expect(none({ steps: [8e-2, 3e-2, Number.NaN, 3.6e-3] })).toBeUndefined();
    expect(none({ steps: [8e-2, 3e-2, 0, 3.6e-3] })).toBeUndefined();
    expect(none({ steps: [8e-2, 3e-2, 9e-3, 5e-5] })).toBeUndefined(); // below the tolerance, still running
    for (const flag of [IterationFlag.reset, IterationFlag.rejected]) {
      expect(none({ steps: steady, flags: [0, flag, 0, 0] })).toBeUndefined();
    }
    // 1e-7 is within 16 f32 round-offs of a unit state (the floor rule's ground), not of an f64 one.
    const fine = { tolerance: 1e-7, criterion: 'step', precision: 'f32' } as const;
    expect(predictedStop(statusOf(8, [{ steps: steady }]), fine)).toBeUndefined();
    expect(predictedStop(statusOf(8, [{ steps: steady }]), { ...fine, precision: 'f64' })).toBeGreaterThan(8);
    // Under a trust region the step rule reads (1 + λ)·step.
    expect(
      predictedStop(statusOf(8, [{ steps: steady }]), { ...f32Step, trustRegion: true }),
    ).toBeUndefined();
    // At magnitude 100 the rounding is 100 times coarser.
    expect(none({ steps: steady, magnitude: 100 }, { ...f32Step, tolerance: 1e-5 })).toBeUndefined();
    expect(none({ steps: steady, magnitude: 10 }, { ...f32Step, tolerance: 1e-5 })).toBeGreaterThan(8);
  });
});

/** A GRU problem of `batch` sequences whose scales differ (they stop at different iterations). */
function gruProblem(seed: number, dim: number, length: number, batch: number) {
  const random = seededRandom(seed);
  const cell = gru({ hidden: dim, input: dim, seed });
  const inputs = Float32Array.from(uniformArray(random, batch * length * dim, 2));
  for (let i = 0; i < length * dim; i++) inputs[i] = (inputs[i] as number) * 0.3;
  return { cell, inputs, initialState: new Float32Array(batch * dim) };
}

/** Evaluates through a CPU backend with the given reads, counting the iterations recorded and the reads. */
async function counted(
  problem: ReturnType<typeof gruProblem>,
  options: {
    checkEvery: number;
    readAhead: number;
    predictStop: boolean;
    tolerance: number;
    method?: 'quasi-deer' | 'deer' | 'quasi-elk';
  },
  doctor?: (status: SessionStatus) => SessionStatus,
) {
  const { cell, inputs, initialState } = problem;
  let updates = 0;
  const readsAfter: number[] = [];
  const backend = hookedCpuBackend(options, {
    update: (forward) => {
      updates++;
      forward();
    },
    readStatus: async (forward) => {
      readsAfter.push(updates);
      const status = await forward();
      return doctor ? doctor(status) : status;
    },
  });
  const result = await evaluate(cell, {
    inputs,
    initialState,
    method: options.method ?? 'quasi-deer',
    tolerance: options.tolerance,
    predictStop: options.predictStop,
    backend,
  });
  return { result, updates, readsAfter };
}

describe('evaluate reading at the predicted stop', () => {
  it('stops every sequence where it stops without predictions, recording no more iterations', async () => {
    let fewer = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 200, max: 1500 }),
        fc.constantFrom('quasi-deer' as const, 'deer' as const, 'quasi-elk' as const),
        fc.integer({ min: 2, max: 8 }),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom(1e-3, 1e-4, 1e-5),
        async (seed, dim, length, method, checkEvery, readAhead, tolerance) => {
          const problem = gruProblem(seed, dim, length, 3);
          const reads = { checkEvery, readAhead, tolerance, method };
          const plain = await counted(problem, { ...reads, predictStop: false });
          const predicted = await counted(problem, { ...reads, predictStop: true });
          expect(predicted.result.perSequence).toEqual(plain.result.perSequence);
          expect(predicted.result.states).toEqual(plain.result.states);
          expect(predicted.updates).toBeLessThanOrEqual(plain.updates);
          if (predicted.updates < plain.updates) fewer++;
        },
      ),
      { seed: 8801, numRuns: 24 },
    );
    // Some runs saved iterations (in the others the host had recorded past the stop before any answer came).
    expect(fewer).toBeGreaterThan(0);
  });

  it('saves iterations wherever the plain schedule sends three or more past the stop', async () => {
    let wasteful = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.integer({ min: 2, max: 6 }),
        fc.constantFrom('quasi-deer' as const, 'quasi-elk' as const),
        fc.integer({ min: 2, max: 4 }),
        fc.constantFrom(1e-4, 1e-5),
        async (seed, dim, method, checkEvery, tolerance) => {
          const problem = gruProblem(seed, dim, 1000, 3);
          const reads = { checkEvery, readAhead: 1, tolerance, method };
          const plain = await counted(problem, { ...reads, predictStop: false });
          const predicted = await counted(problem, { ...reads, predictStop: true });
          expect(predicted.result.perSequence).toEqual(plain.result.perSequence);
          // One read in flight every 2–4 iterations: the answers come back before the stop is passed.
          if (plain.updates - plain.result.iterations >= 3) {
            wasteful++;
            expect(predicted.updates).toBeLessThan(plain.updates);
          }
        },
      ),
      { seed: 3130, numRuns: 16 },
    );
    expect(wasteful).toBeGreaterThan(3);
  });

  it('records at most one iteration past the stop where the last read came four iterations before it', async () => {
    const problem = gruProblem(17, 4, 1000, 2);
    const options = { checkEvery: 4, readAhead: 1, tolerance: 1e-4 };
    const plain = await counted(problem, { ...options, predictStop: false });
    const predicted = await counted(problem, { ...options, predictStop: true });
    const n = plain.result.iterations;
    // Without predictions the read after ⌈n/4⌉·4 sees the stop, answered once the next read is in flight.
    expect(plain.updates).toBe(Math.ceil(n / 4) * 4 + 4);
    expect(predicted.result.iterations).toBe(n);
    expect(predicted.updates - n).toBeLessThanOrEqual(1);
    // The read that saw the stop came right after the iteration it was predicted at, not at a multiple of 4.
    expect(predicted.readsAfter.at(-1)).toBe(predicted.updates);
  });

  it('reads as without predictions once two proved early, with the same results', async () => {
    // Tolerance 1e-6 in f32: about 15 iterations, time for more than two early predictions.
    const problem = gruProblem(23, 4, 1000, 2);
    const options = { checkEvery: 4, readAhead: 1, tolerance: 1e-6 };
    const plain = await counted(problem, { ...options, predictStop: false });
    // Every answer claims a tenfold decrease per iteration down to just above the tolerance: each prediction
    // says the very next iteration.
    const hasty = (status: SessionStatus): SessionStatus => {
      // The answer that ends the loop stays as it is (`evaluate` reports each sequence's floor from it).
      if (!status.active.includes(1)) return status;
      const { history } = status;
      const step = history.step.slice();
      for (let b = 0; b < status.active.length; b++) {
        const last = b * history.capacity + (history.count[b] ?? 0) - 1;
        if (last >= b * history.capacity + 3) step.set([1.5e-3, 1.5e-4, 1.5e-5, 1.5e-6], last - 3);
      }
      return { ...status, history: { ...history, step } };
    };
    const predicted = await counted(problem, { ...options, predictStop: true }, hasty);
    expect(predicted.result.perSequence).toEqual(plain.result.perSequence);
    expect(predicted.result.states).toEqual(plain.result.states);
    // Reads off the every-4 schedule, at most one per early prediction (the first early one can show at a read
    // of the schedule), then the plain schedule to the end, although the iterations after them left room for
    // more (without the limit this problem reads after iterations 9, 10, 11 and 13).
    const offSchedule = predicted.readsAfter.filter((updates) => updates % 4 !== 0);
    expect(offSchedule.length).toBeGreaterThan(0);
    expect(offSchedule.length).toBeLessThanOrEqual(2);
    const lastOff = offSchedule.at(-1) ?? 0;
    expect(plain.result.iterations).toBeGreaterThanOrEqual(lastOff + 4);
    expect(predicted.readsAfter.filter((updates) => updates > lastOff).length).toBeGreaterThan(0);
  });
});
