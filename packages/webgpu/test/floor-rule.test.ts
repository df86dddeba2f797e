import { gru } from '@elk/cells';
import {
  evaluate,
  floorDecision,
  IterationFlag,
  type SequenceHistory,
  sequenceHistory,
  solverDefaults,
  unitRoundoff,
} from '@elk/solvers';
import { describeWebGpu, runCompute } from '@elk/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type WebGpuBackend, WebGpuInputError } from '../src/index.ts';
import { floorRuleWgsl } from '../src/session/floor-rule-wgsl.ts';
import { sequenceStateWgsl } from '../src/session/session-layout.ts';
import { randomArray, testBackend } from './helpers.ts';

const capacity = 64;

/** The WGSL rule over histories stored oldest first, one case per invocation, settings per case. */
const ruleKernel = /* wgsl */ `
struct Params {
  floor_window: u32,
  floor_memory: u32,
  floor_bound: f32,
  floor_unit: f32,
  floor_length: f32,
}
var<private> params: Params;
${sequenceStateWgsl}
@group(0) @binding(0) var<storage, read> entries: array<HistoryEntry>;
@group(0) @binding(1) var<storage, read> settings: array<u32>;
@group(0) @binding(2) var<storage, read_write> stops: array<u32>;

fn floor_entry(sequence: u32, j: u32) -> HistoryEntry {
  return entries[sequence * ${capacity}u + j];
}
${floorRuleWgsl}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.x;
  if (index >= arrayLength(&stops)) { return; }
  let base = index * 6u;
  params = Params(settings[base], settings[base + 1u], bitcast<f32>(settings[base + 2u]),
    bitcast<f32>(settings[base + 3u]), bitcast<f32>(settings[base + 4u]));
  stops[index] = select(0u, 1u, floor_stops(index, settings[base + 5u]));
}
`;

interface RuleCase {
  readonly history: SequenceHistory;
  readonly window: number;
  readonly resetMemory: number;
  readonly resetBound: number;
  readonly length: number;
}

const f32 = (x: number) => Math.fround(x);

/** Histories the rule may or may not stop: plateaus near or above the ceiling, geometric decreases, resets. */
const ruleCase = fc
  .record({
    n: fc.integer({ min: 0, max: capacity }),
    window: fc.integer({ min: 2, max: 12 }),
    resetMemory: fc.integer({ min: 0, max: 40 }),
    resetBound: fc.constantFrom(1e2, 1e8),
    length: fc.constantFrom(100, 3000, 30_000, 1_000_000),
    shape: fc.constantFrom('plateau', 'plateau', 'plateau', 'geometric', 'random'),
    level: fc.double({ min: -9, max: -1, noNaN: true }),
    magnitude: fc.double({ min: 0.1, max: 50, noNaN: true }),
    meritFactor: fc.constantFrom(0.5, 2, 9, 11, 40),
    rare: fc.double({ min: 0, max: 1, noNaN: true }),
    seed: fc.integer({ min: 1, max: 1 << 20 }),
  })
  .map((spec): RuleCase => {
    const noise = randomArray(4 * capacity, spec.seed, 0, 1);
    const step = new Float64Array(spec.n);
    const merit = new Float64Array(spec.n);
    const magnitude = new Float64Array(spec.n);
    const flags = new Uint8Array(spec.n);
    const level = 10 ** spec.level;
    for (let j = 0; j < spec.n; j++) {
      const u = noise[4 * j] as number;
      const value =
        spec.shape === 'plateau'
          ? level * (0.6 + 0.8 * u)
          : spec.shape === 'geometric'
            ? level * 0.7 ** j
            : 10 ** (-9 + 8 * u);
      step[j] = f32(value);
      merit[j] = f32(value * spec.meritFactor);
      magnitude[j] = f32(spec.magnitude * (1 + 0.1 * (noise[4 * j + 1] as number)));
      // Rare events: a reset or rejection, a magnitude at the bound, a step that is not finite.
      const event = noise[4 * j + 2] as number;
      if (event < spec.rare * 0.04) flags[j] = IterationFlag.reset;
      else if (event < spec.rare * 0.06) flags[j] = IterationFlag.rejected;
      else if (event < spec.rare * 0.07) magnitude[j] = spec.resetBound;
      else if (event < spec.rare * 0.08) step[j] = Number.NaN;
      else if (event < spec.rare * 0.085) step[j] = Number.POSITIVE_INFINITY;
      else if (event < spec.rare * 0.09) merit[j] = Number.NaN;
    }
    return {
      history: { step, merit, magnitude, flags },
      window: spec.window,
      resetMemory: spec.resetMemory,
      resetBound: spec.resetBound,
      length: spec.length,
    };
  });

/** Counts the submissions to `target`'s queue until `restore`. */
function watchSubmissions(target: WebGpuBackend): { count: () => number; restore: () => void } {
  const queue = target.device.queue;
  const original = queue.submit;
  let count = 0;
  queue.submit = function (this: GPUQueue, buffers: Iterable<GPUCommandBuffer>) {
    count++;
    return original.call(this, buffers);
  };
  const restore = () => {
    queue.submit = original;
  };
  return { count: () => count, restore };
}

describeWebGpu('the floor rule on the device', (gpu) => {
  let backend: WebGpuBackend;
  beforeAll(async () => {
    backend = await testBackend();
  });
  afterAll(() => backend.destroy());

  it('the WGSL rule decides as floorDecision on random histories (2000 cases)', async () => {
    const cases = fc.sample(fc.array(ruleCase, { minLength: 250, maxLength: 250 }), {
      seed: 7301,
      numRuns: 8,
    });
    let stops = 0;
    let total = 0;
    for (const batch of cases) {
      const words = new Uint32Array(batch.length * capacity * 4);
      const floats = new Float32Array(words.buffer);
      const settings = new Uint32Array(batch.length * 6);
      const settingFloats = new Float32Array(settings.buffer);
      batch.forEach((item, index) => {
        const { step, merit, magnitude, flags } = item.history;
        for (let j = 0; j < step.length; j++) {
          const at = (index * capacity + j) * 4;
          floats[at] = step[j] as number;
          floats[at + 1] = merit[j] as number;
          floats[at + 2] = magnitude[j] as number;
          words[at + 3] = flags[j] as number;
        }
        settings[index * 6] = item.window;
        settings[index * 6 + 1] = Math.max(item.window, item.resetMemory);
        settingFloats[index * 6 + 2] = item.resetBound;
        settingFloats[index * 6 + 3] = unitRoundoff('f32');
        settingFloats[index * 6 + 4] = item.length;
        settings[index * 6 + 5] = step.length;
      });
      const [result] = await runCompute(
        gpu().device,
        ruleKernel,
        [
          { data: words, readOnly: true },
          { data: settings, readOnly: true },
          { data: new Uint32Array(batch.length), output: true },
        ],
        Math.ceil(batch.length / 64),
      );
      const decided = new Uint32Array((result as Float32Array).buffer);
      batch.forEach((item, index) => {
        const expected = floorDecision(item.history, {
          precision: 'f32',
          length: item.length,
          window: item.window,
          resetMemory: item.resetMemory,
          resetBound: item.resetBound,
        }).stop;
        expect(decided[index] === 1, `case ${total + index}: ${JSON.stringify(item)}`).toBe(expected);
        if (expected) stops++;
      });
      total += batch.length;
    }
    // Both verdicts were exercised.
    expect(stops).toBeGreaterThan(total / 10);
    expect(stops).toBeLessThan((total * 9) / 10);
  });

  for (const variant of ['default', 'scan-update', 'fused', 'trust-region', 'merit'] as const) {
    it(`update stops each sequence where floorDecision stops its history (${variant})`, async () => {
      const target = await testBackend(
        variant === 'scan-update' ? { scanUpdate: true } : variant === 'fused' ? { fusion: true } : {},
      );
      try {
        for (const [dim, seed] of [
          [3, 41],
          [8, 42],
        ] as const) {
          const cell = gru({ hidden: dim, input: 2, seed });
          const batch = 3;
          const length = 600;
          const inputs = randomArray(batch * length * 2, seed, -1, 1);
          // Sequences of different scales reach their floors at different iterations.
          for (let i = 0; i < length * 2; i++) inputs[i] = (inputs[i] as number) * 0.05;
          const initialState = new Float32Array(batch * dim);
          const problem = { cell, batch, length, inputs, initialState };
          const ruled = await target.createSession(problem);
          const plain = await target.createSession(problem);
          // The trust region's measuring and apply passes, or the merit criterion (tolerance 0: never met).
          const update = {
            tolerance: 0,
            criterion: variant === 'merit' ? ('merit' as const) : ('step' as const),
            reset: true,
            ...(variant === 'trust-region'
              ? { trustRegion: { increase: 10, decrease: 0.1, minimum: 1e-12, maximum: 1e12 } }
              : {}),
          };
          const context = { precision: 'f32' as const, length };
          const stoppedAt = new Array<number>(batch).fill(0);
          for (let iteration = 1; iteration <= 40 && stoppedAt.includes(0); iteration++) {
            for (const session of [ruled, plain]) {
              session.linearize('diagonal');
              session.solveAffine('diagonal');
            }
            ruled.update({ ...update, floor: {} });
            plain.update(update);
            const [status, expected] = await Promise.all([ruled.readStatus(), plain.readStatus()]);
            for (let b = 0; b < batch; b++) {
              if (stoppedAt[b] !== 0) continue;
              const stop = floorDecision(sequenceHistory(expected.history, b), context).stop;
              const where = `D ${dim} sequence ${b} iteration ${iteration}`;
              expect(status.active[b], where).toBe(stop ? 0 : 1);
              expect(status.floorMet[b], where).toBe(stop ? 1 : 0);
              if (stop) stoppedAt[b] = iteration;
            }
          }
          // Every sequence reached its floor within 40 iterations (under the trust region, whose rejections
          // hold a stop off for the reset memory, at least one did), counting the iterations it ran.
          const stopped = stoppedAt.filter((at) => at > 0);
          expect(stopped.length, `D ${dim}: ${stoppedAt}`).toBeGreaterThanOrEqual(
            variant === 'trust-region' ? 1 : batch,
          );
          expect(stopped.every((at) => at >= solverDefaults.floorWindow)).toBe(true);
          const status = await ruled.readStatus();
          stoppedAt.forEach((at, b) => {
            if (at > 0) expect(status.iterations[b]).toBe(at);
          });
          expect(Array.from(status.toleranceMet)).toEqual([0, 0, 0]);
          ruled.destroy();
          plain.destroy();
        }
      } finally {
        target.destroy();
      }
    });
  }

  it('evaluate: the same iterations, reasons and states whatever checkEvery and readAhead', async () => {
    const cell = gru({ hidden: 6, input: 3, seed: 9 });
    const batch = 4;
    const length = 3000;
    const inputs = randomArray(batch * length * 3, 10, -1, 1);
    for (let i = 0; i < length * 3; i++) inputs[i] = (inputs[i] as number) * 0.05;
    const initialState = randomArray(batch * 6, 11, -0.5, 0.5);
    for (const method of ['quasi-deer', 'deer', 'quasi-elk'] as const) {
      const options = { inputs, initialState, method, backend };
      const every = await evaluate(cell, { ...options, checkEvery: 1, readAhead: 0 });
      expect(every.perSequence.stopReason, method).toContain('floor');
      for (const [checkEvery, readAhead] of [
        [1, 3],
        [2, 2],
        [8, 0],
        [5, 1],
      ] as const) {
        const where = `${method} checkEvery ${checkEvery} readAhead ${readAhead}`;
        const result = await evaluate(cell, { ...options, checkEvery, readAhead });
        expect(result.perSequence, where).toEqual(every.perSequence);
        expect(result.states, where).toEqual(every.states);
      }
    }
  });

  it('evaluate: the same iterations, reasons and states whatever submitEvery, with fewer submissions', async () => {
    const cell = gru({ hidden: 8, input: 3, seed: 19 });
    const batch = 3;
    const length = 2000;
    const inputs = randomArray(batch * length * 3, 20, -1, 1);
    const initialState = randomArray(batch * 8, 21, -0.5, 0.5);
    for (const method of ['quasi-deer', 'quasi-elk'] as const) {
      const options = { inputs, initialState, method, checkEvery: 8, readAhead: 1 };
      const counts: number[] = [];
      let first: Awaited<ReturnType<typeof evaluate>> | undefined;
      for (const submitEvery of [1, 2, 4]) {
        const target = await testBackend({ submitEvery });
        expect(target.submitEvery).toBe(submitEvery);
        const watch = watchSubmissions(target);
        try {
          const result = await evaluate(cell, { ...options, backend: target });
          const where = `${method} submitEvery ${submitEvery}`;
          first ??= result;
          expect(result.perSequence, where).toEqual(first.perSequence);
          expect(result.states, where).toEqual(first.states);
          counts.push(watch.count());
        } finally {
          watch.restore();
          target.destroy();
        }
      }
      expect(counts[1], method).toBeLessThan(counts[0] as number);
      expect(counts[2], method).toBeLessThan(counts[1] as number);
    }
    await expect(testBackend({ submitEvery: 0 })).rejects.toThrow(/submitEvery/);
  });

  it('submits an iteration with the status read that follows it, or at the next await', async () => {
    const cell = gru({ hidden: 4, input: 2, seed: 23 });
    const problem = {
      cell,
      batch: 2,
      length: 50,
      inputs: randomArray(2 * 50 * 2, 24, -1, 1),
      initialState: new Float32Array(2 * 4),
    };
    for (const submitEvery of [1, 2]) {
      const target = await testBackend({ submitEvery });
      const session = await target.createSession(problem);
      const watch = watchSubmissions(target);
      const where = `submitEvery ${submitEvery}`;
      try {
        const iterate = () => {
          session.linearize('diagonal');
          session.solveAffine('diagonal');
          session.update({ tolerance: 1e-6, criterion: 'step', reset: true });
        };
        iterate();
        expect(watch.count(), where).toBe(0);
        // The first iteration is due whatever submitEvery; the read's copies ride with it: one submission.
        await session.readStatus();
        expect(watch.count(), where).toBe(1);
        iterate();
        iterate();
        if (submitEvery === 1) {
          // The third iteration's first primitive submitted the second; the third waits for an await.
          expect(watch.count(), where).toBe(2);
          await Promise.resolve();
          expect(watch.count(), where).toBe(3);
        } else {
          // The second iteration waits for the third, which waits for an await: both in one submission.
          expect(watch.count(), where).toBe(1);
          await Promise.resolve();
          expect(watch.count(), where).toBe(2);
        }
        const status = await session.readStatus();
        expect(watch.count(), where).toBe(submitEvery === 1 ? 4 : 3);
        expect(status.iteration, where).toBe(3);
      } finally {
        watch.restore();
        session.destroy();
        target.destroy();
      }
    }
  });

  it('names a bad floor setting', async () => {
    const cell = gru({ hidden: 2, input: 1, seed: 1 });
    const session = await backend.createSession({
      cell,
      batch: 1,
      length: 4,
      inputs: new Float32Array(4),
      initialState: new Float32Array(2),
      historyCapacity: 8,
    });
    try {
      expect(() =>
        session.update({ tolerance: 0, criterion: 'step', reset: true, floor: { window: 12 } }),
      ).toThrow(WebGpuInputError);
      expect(() =>
        session.update({ tolerance: 0, criterion: 'step', reset: true, floor: { window: 12 } }),
      ).toThrow(/floor\.window: expected an integer from 2 to 8, received 12/);
      // After a good setting (whose values the session keeps for the next calls) a bad one is still named.
      session.update({ tolerance: 0, criterion: 'step', reset: true, floor: {} });
      const settings = { tolerance: 0, criterion: 'step' as const, reset: true };
      expect(() => session.update({ ...settings, floor: null as unknown as { window: number } })).toThrow(
        /floor: expected an object of floor-rule settings/,
      );
      expect(() => session.update({ ...settings, floor: { window: 12 } })).toThrow(/floor\.window/);
      await session.readStatus();
    } finally {
      session.destroy();
    }
  });
});
