import { elman, gru } from '@elk/cells';
import { createCpuBackend, evaluate, type UpdateOptions } from '@elk/solvers';
import { describeWebGpu } from '@elk/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebGpuBackend } from '../src/index.ts';
import { createWebGpuBackend, WebGpuInputError } from '../src/index.ts';
import type { SessionView } from '../src/session/session-view.ts';
import { chooseFusion, tiledIterationPlan } from '../src/session/tiled-iteration.ts';
import { compareSessions, maxRelativeError, randomArray, testBackend, watchDispatches } from './helpers.ts';

describe('chooseFusion', () => {
  it('takes the tiled iteration where it fits, per choice', () => {
    const fits = () => true;
    const misfits = () => false;
    expect(chooseFusion(false, 'single-pass', fits)).toBe('none');
    expect(chooseFusion('chunked', 'three-pass', fits)).toBe('chunked');
    expect(chooseFusion('tiled', 'three-pass', fits)).toBe('tiled');
    expect(chooseFusion('tiled', 'single-pass', misfits)).toBe('none');
    expect(chooseFusion(true, 'single-pass', fits)).toBe('chunked');
    expect(chooseFusion(true, 'three-pass', misfits)).toBe('chunked');
    expect(chooseFusion('auto', 'single-pass', fits)).toBe('tiled');
    expect(chooseFusion('auto', 'three-pass', fits)).toBe('none');
    expect(chooseFusion('auto', 'single-pass', misfits)).toBe('none');
  });
});

describeWebGpu('the tiled quasi-DEER iteration', (gpu) => {
  let tiled: WebGpuBackend;
  let unfused: WebGpuBackend;
  beforeAll(async () => {
    expect(gpu().device).toBeDefined();
    tiled = await testBackend({ fusion: 'tiled' });
    unfused = await testBackend({ fusion: false });
  });
  afterAll(() => {
    tiled.destroy();
    unfused.destroy();
  });

  it('rejects a fusion choice it does not know, naming the option', async () => {
    await expect(
      createWebGpuBackend({ device: gpu().device, fusion: 'fused' as unknown as boolean }),
    ).rejects.toThrow(WebGpuInputError);
    await expect(
      createWebGpuBackend({ device: gpu().device, fusion: 'fused' as unknown as boolean }),
    ).rejects.toThrow(/fusion/);
  });

  it('matches the CPU primitives it replaces, iteration by iteration (GRU and Elman, resets, stopped sequences)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          kind: fc.constantFrom('gru', 'elman'),
          // Few shapes: each compiles its own kernels (slow on a software adapter).
          hidden: fc.constantFrom(8, 12),
          input: fc.constant(2),
          batch: fc.integer({ min: 2, max: 4 }),
          // Chunks of 64 steps: one partial chunk, several, and a last one of one step.
          length: fc.oneof(
            fc.integer({ min: 1, max: 64 }),
            fc.integer({ min: 65, max: 300 }),
            fc.constant(129),
          ),
          seed: fc.integer({ min: 1, max: 1 << 20 }),
          bound: fc.constantFrom(0.3, 1e8),
          stopAt: fc.integer({ min: 0, max: 4 }),
        }),
        async ({ kind, hidden, input, batch, length, seed, bound, stopAt }) => {
          const cell = kind === 'gru' ? gru({ hidden, input, seed }) : elman({ hidden, input, seed });
          const inputs = randomArray(batch * length * input, seed, -1, 1);
          const initialState = randomArray(batch * hidden, seed + 1, -0.5, 0.5);
          const problem = { cell, batch, length, inputs, initialState, historyCapacity: 8 };
          // No parked session of this shape: it would replay its recordings, which the watch does not see.
          tiled.trim();
          const gpuSession = await tiled.createSession(problem);
          const cpuSession = await createCpuBackend().createSession(problem);
          const watch = watchDispatches(gpuSession);
          const update: UpdateOptions = {
            tolerance: 1e-5,
            criterion: 'step',
            reset: true,
            resetBound: bound,
          };
          const where = `${kind} D=${hidden} I=${input} B=${batch} T=${length} seed=${seed} bound=${bound}`;
          try {
            let before = new Float64Array(0);
            for (let iteration = 0; iteration < 6; iteration++) {
              // The candidate slot ends up holding the iterate from before the last update (the arrays swap).
              if (iteration === 5) before = Float64Array.from(await cpuSession.readStates('iterate'));
              for (const session of [gpuSession, cpuSession]) {
                session.linearize('diagonal');
                session.solveAffine('diagonal');
                session.update(update);
              }
              if (iteration === stopAt) {
                // Every other sequence stops: its values must stay as they are while the arrays swap roles.
                const active = Uint8Array.from({ length: batch }, (_, b) => (b % 2 === 1 ? 0 : 1));
                gpuSession.setActive(active);
                cpuSession.setActive(active);
              }
            }
            await compareSessions(gpuSession, cpuSession, where, ['iterate']);
            expect(maxRelativeError(await gpuSession.readStates('candidate'), before), where).toBeLessThan(
              1e-4,
            );
            expect(ranTiled(watch.labels), where).toBe(true);
          } finally {
            watch.restore();
            gpuSession.destroy();
            cpuSession.destroy();
          }
        },
      ),
      { seed: 6420, numRuns: 14 },
    );
  });

  it('solves like the unfused kernels: the same iterations and states, across many chunks', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          hidden: fc.constantFrom(8, 16),
          batch: fc.integer({ min: 1, max: 3 }),
          length: fc.integer({ min: 500, max: 2500 }),
          seed: fc.integer({ min: 1, max: 1 << 20 }),
        }),
        async ({ hidden, batch, length, seed }) => {
          const input = 3;
          const cell = gru({ hidden, input, seed });
          const options = {
            batch,
            length,
            inputs: randomArray(batch * length * input, seed, -1, 1),
            initialState: randomArray(batch * hidden, seed + 1, -0.5, 0.5),
            method: 'quasi-deer',
            tolerance: 1e-4,
            maxIterations: 60,
          } as const;
          // Every session of a backend records through its context: watch it through a session of its own.
          tiled.trim();
          const probe = await tiled.createSession({ ...options, cell });
          const watch = watchDispatches(probe);
          probe.destroy();
          const [fusedResult, unfusedResult, cpuResult] = await Promise.all([
            evaluate(cell, { ...options, backend: tiled }),
            evaluate(cell, { ...options, backend: unfused }),
            evaluate(cell, { ...options, backend: createCpuBackend() }),
          ]);
          watch.restore();
          const where = `D=${hidden} B=${batch} T=${length} seed=${seed}`;
          expect(ranTiled(watch.labels), where).toBe(true);
          expect(fusedResult.converged, where).toBe(true);
          expect(fusedResult.perSequence.iterations, where).toEqual(unfusedResult.perSequence.iterations);
          expect(maxRelativeError(fusedResult.states, unfusedResult.states), where).toBeLessThan(1e-4);
          expect(maxRelativeError(fusedResult.states, cpuResult.states), where).toBeLessThan(1e-3);
        },
      ),
      { seed: 6421, numRuns: 6 },
    );
  });

  it("sessions of one shape take over the last one's arrays and recordings (either swap parity) and still match the CPU", async () => {
    const hidden = 8;
    const input = 2;
    const batch = 3;
    const length = 150;
    tiled.trim();
    // Odd and even iteration counts: each session parks its arrays in either role for the next one.
    for (const [run, iterations] of [3, 4, 5, 2, 3].entries()) {
      const seed = 100 + run;
      const problem = {
        cell: gru({ hidden, input, seed }),
        batch,
        length,
        inputs: randomArray(batch * length * input, seed, -1, 1),
        initialState: randomArray(batch * hidden, seed + 1, -0.5, 0.5),
      };
      const session = await tiled.createSession(problem);
      const cpuSession = await createCpuBackend().createSession(problem);
      try {
        for (let iteration = 0; iteration < iterations; iteration++) {
          for (const each of [session, cpuSession]) {
            each.linearize('diagonal');
            each.solveAffine('diagonal');
            each.update({ tolerance: 1e-5, criterion: 'step', reset: true, resetBound: 1e8 });
          }
        }
        await compareSessions(session, cpuSession, `run ${run}, ${iterations} iterations`, ['iterate']);
      } finally {
        session.destroy();
        cpuSession.destroy();
      }
    }
  });

  it('runs with R = 2 where the linearisation takes 4 rows per invocation, and with a forced R = 4 (D = 32)', async () => {
    const hidden = 32;
    const input = 2;
    const batch = 2;
    const length = 150;
    const problem = {
      cell: gru({ hidden, input, seed: 11 }),
      batch,
      length,
      inputs: randomArray(batch * length * input, 12, -1, 1),
      initialState: randomArray(batch * hidden, 13, -0.5, 0.5),
    };
    const forced = await testBackend({ fusion: 'tiled', linearizeRows: 4 });
    try {
      for (const [backend, rows] of [
        [tiled, 2],
        [forced, 4],
      ] as const) {
        const session = await backend.createSession(problem);
        const cpuSession = await createCpuBackend().createSession(problem);
        const watch = watchDispatches(session);
        try {
          expect(tiledIterationPlan(session as unknown as SessionView)?.rowsPerInvocation).toBe(rows);
          for (let iteration = 0; iteration < 4; iteration++) {
            for (const each of [session, cpuSession]) {
              each.linearize('diagonal');
              each.solveAffine('diagonal');
              each.update({ tolerance: 1e-5, criterion: 'step', reset: true, resetBound: 1e8 });
            }
          }
          await compareSessions(session, cpuSession, `R=${rows}`, ['iterate']);
          expect(ranTiled(watch.labels), `R=${rows}`).toBe(true);
        } finally {
          watch.restore();
          session.destroy();
          cpuSession.destroy();
        }
      }
    } finally {
      forced.destroy();
    }
  });

  it('runs only where it applies: unfused for D not a multiple of 4, without input projections, in windowed sessions, and under auto with the three-pass scan', async () => {
    const cases = [
      { options: { fusion: 'tiled' }, hidden: 10, input: 2, batch: 2, length: 70, applies: false },
      { options: { fusion: 'tiled' }, hidden: 8, input: 0, batch: 2, length: 70, applies: false },
      { options: { fusion: 'tiled' }, hidden: 8, input: 2, batch: 2, length: 70, applies: true },
      // 6400 bytes per sequence's states: two windows of two sequences.
      {
        options: { fusion: 'tiled', maxBindingBytes: 16384 },
        hidden: 8,
        input: 2,
        batch: 4,
        length: 200,
        applies: false,
      },
      {
        options: { fusion: 'auto', scanVariant: 'single-pass' },
        hidden: 8,
        input: 2,
        batch: 2,
        length: 70,
        applies: true,
      },
      {
        options: { fusion: 'auto', scanVariant: 'three-pass' },
        hidden: 8,
        input: 2,
        batch: 2,
        length: 70,
        applies: false,
      },
    ] as const;
    for (const { options, hidden, input, batch, length, applies } of cases) {
      const where = `${JSON.stringify(options)} D=${hidden} I=${input} B=${batch}`;
      const backend = await testBackend(options);
      const problem = {
        cell: gru({ hidden, input, seed: 3 }),
        batch,
        length,
        inputs: randomArray(batch * length * input, 5, -1, 1),
        initialState: randomArray(batch * hidden, 6, -0.5, 0.5),
      };
      const session = await backend.createSession(problem);
      const cpuSession = await createCpuBackend().createSession(problem);
      const watch = watchDispatches(session);
      try {
        for (let iteration = 0; iteration < 3; iteration++) {
          for (const each of [session, cpuSession]) {
            each.linearize('diagonal');
            each.solveAffine('diagonal');
            each.update({ tolerance: 1e-5, criterion: 'step', reset: true, resetBound: 1e8 });
          }
        }
        await compareSessions(session, cpuSession, where, ['iterate']);
        expect(ranTiled(watch.labels), where).toBe(applies);
      } finally {
        watch.restore();
        session.destroy();
        cpuSession.destroy();
        backend.destroy();
      }
    }
  });
});

/** Whether the tiled iteration's kernel was among the dispatches watched. */
function ranTiled(labels: Set<string>): boolean {
  return [...labels].some((label) => label.startsWith('tiled-iteration-'));
}
