import { gru } from '@elk/cells';
import { createCpuBackend } from '@elk/solvers';
import { describeWebGpu } from '@elk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  readSessionPassTimes,
  summarizePassTimes,
  timeSessionPasses,
  type WebGpuBackend,
  WebGpuExecutionError,
  WebGpuInputError,
} from '../src/index.ts';
import type { SessionView } from '../src/session/session-view.ts';
import { randomArray, testBackend } from './helpers.ts';

describe('summarizePassTimes', () => {
  it('sums the time and counts the passes of each label, in first-seen order', () => {
    const summary = summarizePassTimes([
      { label: 'b', milliseconds: 1 },
      { label: 'a', milliseconds: 0.5 },
      { label: 'b', milliseconds: 2 },
    ]);
    expect(summary).toEqual([
      { label: 'b', milliseconds: 3, passes: 2 },
      { label: 'a', milliseconds: 0.5, passes: 1 },
    ]);
  });
});

describeWebGpu('pass timing', (gpu) => {
  let backend: WebGpuBackend;
  beforeAll(async () => {
    expect(gpu().device).toBeDefined();
    backend = await testBackend();
  });
  afterAll(() => backend.destroy());

  const problem = () => {
    const cell = gru({ hidden: 4, input: 3, seed: 2 });
    return {
      cell,
      batch: 2,
      length: 100,
      inputs: randomArray(2 * 100 * 3, 5, -1, 1),
      initialState: new Float32Array(2 * 4),
    };
  };

  it('times each pass of an iteration, named by its kernel, and starts over after a read', async () => {
    const session = await backend.createSession(problem());
    if (!backend.device.features.has('timestamp-query')) {
      // Without the feature there is nothing to time: the call says why.
      expect(() => timeSessionPasses(session, 64)).toThrow(/timestamp-query/);
      session.destroy();
      return;
    }
    timeSessionPasses(session, 64);
    for (let i = 0; i < 2; i++) {
      session.linearize('diagonal');
      session.solveAffine('diagonal');
      session.update({ tolerance: 0, criterion: 'step', reset: true });
    }
    const times = await readSessionPassTimes(session);
    const labels = times.map((time) => time.label);
    expect(labels.filter((label) => label.startsWith('linearize-diagonal'))).toHaveLength(2);
    expect(labels.filter((label) => label === 'diagonal-scan')).toHaveLength(2);
    // At D = 4 the scan and update run apart (the default fuses them from D = 32 on).
    expect(labels.filter((label) => label === 'session/update-direct/4/vec4')).toHaveLength(2);
    // The merit of each linearize is folded by its update's finish: no finish-linearize pass of its own.
    expect(labels.filter((label) => label === 'session/finish-update-merit')).toHaveLength(2);
    expect(labels.filter((label) => label.startsWith('session/finish-linearize'))).toHaveLength(0);
    for (const time of times) expect(time.milliseconds).toBeGreaterThanOrEqual(0);
    // Real timestamps: the passes took time (all zeros would mean the work never ran).
    expect(times.reduce((sum, time) => sum + time.milliseconds, 0)).toBeGreaterThan(0);
    expect(await readSessionPassTimes(session)).toEqual([]);
    // An update with no scan before it runs apart: its pass and finish-update.
    session.update({ tolerance: 0, criterion: 'step', reset: true });
    const alone = (await readSessionPassTimes(session)).map((time) => time.label);
    expect(alone).toEqual(['session/update-direct/4/vec4', 'session/finish-update']);
    session.destroy();
  });

  it('with the default capacity, reports an invalid pass as an error instead of zero times', async () => {
    const session = await backend.createSession(problem());
    if (!backend.device.features.has('timestamp-query')) {
      session.destroy();
      return;
    }
    timeSessionPasses(session);
    session.linearize('diagonal');
    const first = (await readSessionPassTimes(session)).map((time) => time.label);
    expect(first.some((label) => label.startsWith('linearize-diagonal'))).toBe(true);
    // A dispatch without a pipeline: invalid, so the commands are dropped; the read must say so.
    (session as unknown as SessionView).pass((pass) => pass.dispatchWorkgroups(1), 'broken');
    await expect(readSessionPassTimes(session)).rejects.toThrow(WebGpuExecutionError);
    session.destroy();
  });

  it('rejects a session of another backend and a bad capacity, naming the argument', async () => {
    const cpu = createCpuBackend();
    const cpuSession = await cpu.createSession(problem());
    expect(() => timeSessionPasses(cpuSession)).toThrow(WebGpuInputError);
    expect(() => timeSessionPasses(cpuSession)).toThrow(/session/);
    cpuSession.destroy();
    const session = await backend.createSession(problem());
    if (backend.device.features.has('timestamp-query')) {
      expect(() => timeSessionPasses(session, 0)).toThrow(/capacity/);
      // Two timestamps a pass, 4096 a query set.
      expect(() => timeSessionPasses(session, 2049)).toThrow(/from 1 to 2048/);
    }
    await expect(readSessionPassTimes(session)).rejects.toThrow(/timePasses/);
    session.destroy();
  });
});
