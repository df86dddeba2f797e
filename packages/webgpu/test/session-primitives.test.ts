import { gru } from '@elk/cells';
import { createCpuBackend, type Session, type UpdateOptions } from '@elk/solvers';
import { describeWebGpu } from '@elk/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chooseScanVariant } from '../src/affine-diagonal-scan.ts';
import { GpuContext } from '../src/gpu-context.ts';
import type { WebGpuBackend } from '../src/index.ts';
import {
  compareSessions,
  type DispatchWatch,
  maxRelativeError,
  randomArray,
  testBackend,
  updateDirectLabel,
  watchDispatches,
} from './helpers.ts';

/** One primitive applied to both sessions. */
type Step = (session: Session) => void;

describeWebGpu('session primitives: GPU session = CPU session, step by step', (gpu) => {
  let backend: WebGpuBackend;
  let fused: WebGpuBackend;
  beforeAll(async () => {
    expect(gpu().device).toBeDefined();
    backend = await testBackend({ fusion: false });
    fused = await testBackend({ fusion: true });
  });
  afterAll(() => {
    backend.destroy();
    fused.destroy();
  });

  it('update follows every change of its settings between calls, also on one options object the caller changes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          batch: fc.integer({ min: 1, max: 3 }),
          length: fc.integer({ min: 2, max: 60 }),
          seed: fc.integer({ min: 1, max: 1 << 20 }),
          // Per iteration, which setting changes: the tolerance, damping, reset bound, criterion, or (with a
          // trust region) its decrease factor, inside the nested object.
          changes: fc.array(
            fc.constantFrom('tolerance', 'damping', 'resetBound', 'criterion', 'decrease', 'none'),
            { minLength: 10, maxLength: 10 },
          ),
          trust: fc.boolean(),
        }),
        async ({ batch, length, seed, changes, trust }) => {
          const cell = gru({ hidden: 4, input: 3, seed });
          const inputs = randomArray(batch * length * 3, seed, -1, 1);
          const initialState = randomArray(batch * 4, seed + 1, -0.5, 0.5);
          const initialGuess = randomArray(batch * length * 4, seed + 2, -3, 3);
          const problem = { cell, batch, length, inputs, initialState, initialGuess, historyCapacity: 8 };
          const gpuSession = await backend.createSession(problem);
          const cpuSession = await createCpuBackend().createSession(problem);
          // One object, changed in place between calls (its type says readonly; JavaScript lets a caller).
          const trustRegion = { increase: 10, decrease: 0.1, minimum: 1e-6, maximum: 1e6 };
          const settings = {
            // Above f32's rounding of these states (the CPU session runs in f64).
            tolerance: 1e-6,
            criterion: 'step' as 'step' | 'merit',
            reset: true,
            resetBound: 2.5,
            damping: 1,
            ...(trust ? { trustRegion } : {}),
          };
          // λ well above its minimum: every accepted step multiplies it by the decrease factor.
          if (trust) for (const session of [gpuSession, cpuSession]) session.setLambda(1);
          try {
            for (const [iteration, change] of changes.entries()) {
              if (change === 'tolerance') settings.tolerance = iteration % 2 === 0 ? 1e-6 : 0.05;
              if (change === 'damping') settings.damping = settings.damping === 1 ? 0.5 : 1;
              if (change === 'resetBound') settings.resetBound = settings.resetBound === 2.5 ? 0.5 : 2.5;
              if (change === 'criterion')
                settings.criterion = settings.criterion === 'step' ? 'merit' : 'step';
              if (change === 'decrease') trustRegion.decrease = trustRegion.decrease === 0.1 ? 0.5 : 0.1;
              for (const session of [gpuSession, cpuSession]) {
                session.linearize('diagonal');
                session.solveAffine('diagonal');
                session.update(settings);
              }
              await compareSessions(
                gpuSession,
                cpuSession,
                `seed=${seed} iteration ${iteration} (${change})`,
              );
            }
          } finally {
            gpuSession.destroy();
            cpuSession.destroy();
          }
        },
      ),
      { seed: 5519, numRuns: 12 },
    );
  });

  it('trust region, damping, merit criterion, setActive, setLambda and writeStates match the CPU', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          batch: fc.integer({ min: 1, max: 3 }),
          length: fc.integer({ min: 1, max: 50 }),
          seed: fc.integer({ min: 1, max: 1 << 20 }),
          damping: fc.constantFrom(1, 0.5),
          criterion: fc.constantFrom('step' as const, 'merit' as const),
          mode: fc.constantFrom('diagonal' as const, 'dense' as const),
          trust: fc.boolean(),
          estimator: fc.constantFrom('filter' as const, 'smoother' as const),
        }),
        async ({ batch, length, seed, damping, criterion, mode, trust, estimator }) => {
          const cell = gru({ hidden: 3, input: 2, seed });
          const inputs = randomArray(batch * length * 2, seed, -1, 1);
          const initialState = randomArray(batch * 3, seed + 1, -0.5, 0.5);
          const initialGuess = randomArray(batch * length * 3, seed + 2, -2, 2);
          const problem = { cell, batch, length, inputs, initialState, initialGuess, historyCapacity: 4 };
          const gpuSession = await backend.createSession(problem);
          const cpuSession = await createCpuBackend().createSession(problem);
          const update: UpdateOptions = {
            tolerance: 1e-3,
            criterion,
            reset: true,
            resetBound: 1.5,
            damping,
            ...(trust ? { trustRegion: { increase: 10, decrease: 0.1, minimum: 1e-6, maximum: 1e6 } } : {}),
          };
          const steps: Step[] = [
            (s) => s.setLambda(0.5),
            (s) => s.linearize(mode),
            (s) => s.solveKalman({ mode, estimator, lambda: 'session' }),
            (s) => s.update(update),
            (s) => s.linearize(mode),
            (s) => s.solveAffine(mode),
            (s) => s.update(update),
            (s) => s.setActive(Uint8Array.from({ length: batch }, (_, b) => (b === 0 ? 0 : 1))),
            (s) => s.linearize('none'),
            (s) => s.solveAffine('none'),
            (s) => s.update(update),
            (s) => s.writeStates(initialGuess, 'candidate'),
            (s) => s.update(update),
          ];
          try {
            for (const [index, step] of steps.entries()) {
              step(gpuSession);
              step(cpuSession);
              if (index % 4 === 3) await compareSessions(gpuSession, cpuSession, `after step ${index}`);
            }
            await compareSessions(gpuSession, cpuSession, 'at the end');
          } finally {
            gpuSession.destroy();
            cpuSession.destroy();
          }
        },
      ),
      { seed: 6107, numRuns: 12 },
    );
  });

  it('the diagonal solves leave a stopped sequence untouched, as on the CPU (quasi-DEER scan, quasi-ELK smoother)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          batch: fc.integer({ min: 2, max: 4 }),
          length: fc.integer({ min: 1, max: 300 }),
          seed: fc.integer({ min: 1, max: 1 << 20 }),
          stopped: fc.integer({ min: 0, max: 3 }),
          kalman: fc.boolean(),
        }),
        async ({ batch, length, seed, stopped, kalman }) => {
          const cell = gru({ hidden: 5, input: 2, seed });
          const inputs = randomArray(batch * length * 2, seed, -1, 1);
          const initialState = randomArray(batch * 5, seed + 1, -0.5, 0.5);
          const marker = randomArray(batch * length * 5, seed + 2, -3, 3);
          const problem = { cell, batch, length, inputs, initialState };
          const gpuSession = await backend.createSession(problem);
          const cpuSession = await createCpuBackend().createSession(problem);
          const active = Uint8Array.from({ length: batch }, (_, b) => (b === stopped % batch ? 0 : 1));
          const steps: Step[] = [
            (session) => session.linearize('diagonal'),
            (session) => session.writeStates(marker, 'candidate'),
            (session) => session.setActive(active),
            kalman
              ? (session) => session.solveKalman({ mode: 'diagonal', estimator: 'smoother', lambda: 0.3 })
              : (session) => session.solveAffine('diagonal'),
          ];
          try {
            for (const step of steps) {
              step(gpuSession);
              step(cpuSession);
            }
            await compareSessions(gpuSession, cpuSession, `stopped ${stopped % batch}`);
            const candidate = await gpuSession.readStates('candidate');
            const at = (stopped % batch) * length * 5;
            expect(Array.from(candidate.subarray(at, at + length * 5))).toEqual(
              Array.from(marker.subarray(at, at + length * 5)),
            );
          } finally {
            gpuSession.destroy();
            cpuSession.destroy();
          }
        },
      ),
      { seed: 6111, numRuns: 16 },
    );
  });

  it('the fused quasi-DEER iteration matches the CPU primitives it replaces (iterate, status, history)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          batch: fc.integer({ min: 1, max: 4 }),
          length: fc.integer({ min: 1, max: 120 }),
          seed: fc.integer({ min: 1, max: 1 << 20 }),
          bound: fc.constantFrom(0.3, 1e8),
        }),
        async ({ batch, length, seed, bound }) => {
          const cell = gru({ hidden: 4, input: 3, seed });
          const inputs = randomArray(batch * length * 3, seed, -1, 1);
          const initialState = randomArray(batch * 4, seed + 1, -0.5, 0.5);
          const problem = { cell, batch, length, inputs, initialState, historyCapacity: 8 };
          const gpuSession = await fused.createSession(problem);
          const cpuSession = await createCpuBackend().createSession(problem);
          const update: UpdateOptions = {
            tolerance: 1e-5,
            criterion: 'step',
            reset: true,
            resetBound: bound,
          };
          try {
            for (let iteration = 0; iteration < 6; iteration++) {
              for (const session of [gpuSession, cpuSession]) {
                session.linearize('diagonal');
                session.solveAffine('diagonal');
                session.update(update);
              }
              if (iteration === 2) {
                const active = Uint8Array.from({ length: batch }, (_, b) => (b % 2 === 0 ? 1 : 0));
                gpuSession.setActive(active);
                cpuSession.setActive(active);
              }
            }
            await compareSessions(gpuSession, cpuSession, `B=${batch} T=${length} seed=${seed}`, ['iterate']);
          } finally {
            gpuSession.destroy();
            cpuSession.destroy();
          }
        },
      ),
      { seed: 6111, numRuns: 10 },
    );
  });

  it("fuses update into the scan's apply pass where it can: the same iterate, candidate, status and history", async () => {
    const apart = await testBackend({ fusion: false, scanUpdate: false });
    const together = await testBackend({ fusion: false, scanUpdate: true });
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            batch: fc.integer({ min: 1, max: 4 }),
            length: fc.integer({ min: 1, max: 200 }),
            seed: fc.integer({ min: 1, max: 1 << 20 }),
            bound: fc.constantFrom(0.3, 1e8),
            damping: fc.constantFrom(1, 0.6),
          }),
          async ({ batch, length, seed, bound, damping }) => {
            const cell = gru({ hidden: 5, input: 3, seed });
            const inputs = randomArray(batch * length * 3, seed, -1, 1);
            const initialState = randomArray(batch * 5, seed + 1, -0.5, 0.5);
            const problem = { cell, batch, length, inputs, initialState, historyCapacity: 8 };
            const fused = await together.createSession(problem);
            const separate = await apart.createSession(problem);
            const cpuSession = await createCpuBackend().createSession(problem);
            const watch = watchDispatches(fused);
            const update: UpdateOptions = {
              tolerance: 1e-5,
              criterion: 'step',
              reset: true,
              resetBound: bound,
              damping,
            };
            const where = `B=${batch} T=${length} seed=${seed} bound=${bound} damping=${damping}`;
            try {
              for (let iteration = 0; iteration < 5; iteration++) {
                for (const session of [fused, separate, cpuSession]) {
                  session.linearize('diagonal');
                  session.solveAffine('diagonal');
                  session.update(update);
                }
                if (iteration === 1) {
                  const active = Uint8Array.from({ length: batch }, (_, b) => (b % 2 === 1 ? 0 : 1));
                  for (const session of [fused, separate, cpuSession]) session.setActive(active);
                }
              }
              expect(watch.labels.has('session/scan-update'), where).toBe(true);
              expect(watch.labels.has(`session/update-direct/5`), where).toBe(false);
              await compareSessions(fused, cpuSession, where);
              await compareSessions(fused, separate, `${where} (fused vs apart)`);
            } finally {
              watch.restore();
              fused.destroy();
              separate.destroy();
              cpuSession.destroy();
            }
          },
        ),
        { seed: 3107, numRuns: 12 },
      );
    } finally {
      apart.destroy();
      together.destroy();
    }
  });

  it("runs scan and update apart where the fused pass's partials would exceed one binding", async () => {
    // D = 32, B = 30, T = 2: every [B, T, D] array fits a 16 KiB binding (7.5 KiB), the partials (one chunk,
    // 20 bytes per channel and sequence: 18.75 KiB) do not.
    const small = await testBackend({
      maxBindingBytes: 16384,
      scanUpdate: true,
      inputProjections: 'recomputed',
    });
    try {
      const cell = gru({ hidden: 32, input: 2, seed: 8 });
      const problem = {
        cell,
        batch: 30,
        length: 2,
        inputs: randomArray(30 * 2 * 2, 10, -1, 1),
        initialState: randomArray(30 * 32, 11, -0.5, 0.5),
        historyCapacity: 8,
      };
      const gpuSession = await small.createSession(problem);
      const cpuSession = await createCpuBackend().createSession(problem);
      try {
        for (let iteration = 0; iteration < 3; iteration++) {
          for (const session of [gpuSession, cpuSession]) {
            session.linearize('diagonal');
            session.solveAffine('diagonal');
            session.update({ tolerance: 1e-6, criterion: 'step', reset: true });
          }
        }
        await compareSessions(gpuSession, cpuSession, 'D=32 B=30 T=2, 16 KiB bindings');
      } finally {
        gpuSession.destroy();
        cpuSession.destroy();
      }
    } finally {
      small.destroy();
    }
  });

  it("'auto' fuses update into the scan from D = 32 on (the default)", async () => {
    for (const [hidden, fused] of [
      [5, false],
      [32, true],
      [64, true],
    ] as const) {
      const cell = gru({ hidden, input: 2, seed: 4 });
      const problem = {
        cell,
        batch: 2,
        length: 20,
        inputs: randomArray(2 * 20 * 2, 6, -1, 1),
        initialState: new Float32Array(2 * hidden),
      };
      const session = await backend.createSession(problem);
      const watch = watchDispatches(session);
      try {
        session.linearize('diagonal');
        session.solveAffine('diagonal');
        session.update({ tolerance: 1e-5, criterion: 'step', reset: true });
        await session.readStatus();
        expect(backend.kernels.scanUpdate).toBe('auto');
        expect(watch.labels.has('session/scan-update'), `D=${hidden}`).toBe(fused);
        expect(watch.labels.has(updateDirectLabel(hidden)), `D=${hidden}`).toBe(!fused);
      } finally {
        watch.restore();
        session.destroy();
      }
    }
  });

  it('runs the chosen diagonal scan: single-pass sessions match three-pass ones and the CPU (solveAffine, smoother)', async () => {
    const single = await testBackend({ scanUpdate: false, scanVariant: 'single-pass' });
    const three = await testBackend({ scanUpdate: false, scanVariant: 'three-pass' });
    const auto = await testBackend({ scanUpdate: false });
    try {
      expect(single.kernels.scanVariant).toBe('single-pass');
      expect(auto.kernels.scanVariant).toBe('auto');
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            batch: fc.integer({ min: 1, max: 3 }),
            length: fc.integer({ min: 1, max: 300 }),
            // D = 8: the vec4 kernel; D = 5: the scalar one.
            hidden: fc.constantFrom(5, 8),
            smoother: fc.boolean(),
            seed: fc.integer({ min: 1, max: 1 << 20 }),
          }),
          async ({ batch, length, hidden, smoother, seed }) => {
            const cell = gru({ hidden, input: 3, seed });
            const inputs = randomArray(batch * length * 3, seed, -1, 1);
            const initialState = randomArray(batch * hidden, seed + 1, -0.5, 0.5);
            const problem = { cell, batch, length, inputs, initialState, historyCapacity: 8 };
            const sessions = [
              await single.createSession(problem),
              await three.createSession(problem),
              await auto.createSession(problem),
            ];
            const cpuSession = await createCpuBackend().createSession(problem);
            const [first, second, third] = sessions as [Session, Session, Session];
            const watches = sessions.map((session) => watchDispatches(session));
            const where = `B=${batch} T=${length} D=${hidden} smoother=${smoother} seed=${seed}`;
            try {
              for (let iteration = 0; iteration < 4; iteration++) {
                for (const session of [...sessions, cpuSession]) {
                  session.linearize('diagonal');
                  if (smoother) session.solveKalman({ mode: 'diagonal', estimator: 'smoother', lambda: 0.3 });
                  else session.solveAffine('diagonal');
                  session.update({ tolerance: 1e-6, criterion: 'step', reset: true });
                }
                if (iteration === 1) {
                  const active = Uint8Array.from({ length: batch }, (_, b) => (b % 2 === 1 ? 0 : 1));
                  for (const session of [...sessions, cpuSession]) session.setActive(active);
                }
              }
              for (const session of [first, second, third]) await compareSessions(session, cpuSession, where);
              const singlePass = [...(watches[0]?.labels ?? [])].filter(
                (label) => label.startsWith('single-pass-scan/') && label !== 'single-pass-scan/clear',
              );
              expect(singlePass.length, where).toBeGreaterThan(0);
              expect(
                singlePass.every((label) => label.includes('/vec4/d8/') === (hidden === 8)),
                where,
              ).toBe(true);
              // 'auto' runs single-pass only where chooseScanVariant says so (an NVIDIA adapter, D = 8).
              const autoContext = new GpuContext(auto.device, auto.capabilities, false);
              const autoSingle = chooseScanVariant(autoContext, 'auto', hidden) === 'single-pass';
              const ranSingle = (watch: DispatchWatch | undefined) =>
                [...(watch?.labels ?? [])].some((label) => label.startsWith('single-pass-scan/'));
              expect(ranSingle(watches[1]), where).toBe(false);
              expect(ranSingle(watches[2]), where).toBe(autoSingle);
            } finally {
              for (const watch of watches) watch.restore();
              for (const session of [...sessions, cpuSession]) session.destroy();
            }
          },
        ),
        { seed: 6211, numRuns: 12 },
      );
    } finally {
      single.destroy();
      three.destroy();
      auto.destroy();
    }
  });

  /**
   * Five quasi-DEER iterations (a stop after the second) on `backend`'s session and the CPU's, compared as they go;
   * returns the labels of the GPU session's dispatches.
   */
  async function fusedScanUpdateCase(
    target: WebGpuBackend,
    {
      batch,
      length,
      hidden,
      damping,
      seed,
    }: { batch: number; length: number; hidden: number; damping: number; seed: number },
  ): Promise<string[]> {
    const cell = gru({ hidden, input: 3, seed });
    const inputs = randomArray(batch * length * 3, seed, -1, 1);
    const initialState = randomArray(batch * hidden, seed + 1, -0.5, 0.5);
    // A guess beyond the reset bound: the first candidates are clipped (FLAG_RESET in the history).
    const initialGuess = randomArray(batch * length * hidden, seed + 2, -3, 3);
    const problem = { cell, batch, length, inputs, initialState, initialGuess, historyCapacity: 8 };
    // No parked session: every dispatch is recorded through the context, where the watch sees it.
    target.trim();
    const gpuSession = await target.createSession(problem);
    const cpuSession = await createCpuBackend().createSession(problem);
    const watch = watchDispatches(gpuSession);
    const where = `B=${batch} T=${length} D=${hidden} damping=${damping} seed=${seed}`;
    const update: UpdateOptions = {
      tolerance: 1e-6,
      criterion: 'step',
      reset: true,
      resetBound: 1.5,
      damping,
    };
    try {
      // Iteration 3 reads the status between linearize and the scan (the merit is folded before the fused
      // scan's finish), 4 stops by the merit criterion and 5 has a trust region (the scan is recorded apart).
      const trustRegion = { increase: 10, decrease: 0.1, minimum: 1e-6, maximum: 1e6 };
      for (let iteration = 0; iteration < 6; iteration++) {
        for (const session of [gpuSession, cpuSession]) {
          session.linearize('diagonal');
          if (iteration === 3) await session.readStatus();
          session.solveAffine('diagonal');
          if (iteration === 4) session.update({ ...update, criterion: 'merit' });
          else if (iteration === 5) session.update({ ...update, trustRegion });
          else session.update(update);
        }
        if (iteration === 1) {
          const active = Uint8Array.from({ length: batch }, (_, b) => (b % 2 === 1 ? 0 : 1));
          for (const session of [gpuSession, cpuSession]) session.setActive(active);
        }
        if (iteration % 2 === 0)
          await compareSessions(gpuSession, cpuSession, `${where} iteration ${iteration}`);
      }
      await compareSessions(gpuSession, cpuSession, where);
      return [...watch.labels];
    } finally {
      watch.restore();
      gpuSession.destroy();
      cpuSession.destroy();
    }
  }

  it('scanUpdate: true fuses update into the single-pass scan where the vec4 kernel runs: the same as the CPU, resets, damping and stops included', async () => {
    const fused = await testBackend({ scanVariant: 'single-pass', scanUpdate: true });
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            batch: fc.integer({ min: 1, max: 3 }),
            length: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 200, max: 3000 })),
            // D = 4, 8 and 12: the vec4 kernel (4 and 12 leave invocations idle); D = 5: the scalar kernel, whose
            // update goes into the three-pass scan's apply pass instead.
            hidden: fc.constantFrom(4, 5, 8, 12),
            damping: fc.constantFrom(1, 0.5),
            seed: fc.integer({ min: 1, max: 1 << 20 }),
          }),
          async (spec) => {
            const labels = await fusedScanUpdateCase(fused, spec);
            const where = `${JSON.stringify(spec)}: ${labels.join()}`;
            const vector = spec.hidden % 4 === 0;
            expect(
              labels.some((label) => label.endsWith('-running-update')),
              where,
            ).toBe(vector);
            expect(labels.includes('session/scan-update'), where).toBe(!vector);
            // Where update cannot join the scan (merit criterion, trust region): the plain scan, then update.
            expect(
              labels.some((label) => /^single-pass-scan\/vec4\/.*-running$/.test(label)),
              where,
            ).toBe(vector);
            expect(labels.includes(updateDirectLabel(spec.hidden)), where).toBe(true);
            // finish-update with the merit folded, and without it after the read between linearize and the scan.
            expect(labels.includes('session/finish-update-merit'), where).toBe(true);
            expect(labels.includes('session/finish-update'), where).toBe(true);
            expect(labels.includes('session/finish-linearize'), where).toBe(true);
          },
        ),
        { seed: 7321, numRuns: 16 },
      );
      // Several steps per invocation (K > 1), the last chunk partly past T.
      const labels = await fusedScanUpdateCase(fused, {
        batch: 1,
        length: 70_001,
        hidden: 16,
        damping: 1,
        seed: 5,
      });
      expect(
        labels.some((label) => /\/vec4\/d16\/k[2-9]\d*-running-update$/.test(label)),
        labels.join(),
      ).toBe(true);
    } finally {
      fused.destroy();
    }
  });

  it('update apart from the scan moves vec4s where D is a multiple of 4: the same as the CPU, resets, damping and stops included', async () => {
    const apart = await testBackend({ scanUpdate: false });
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            batch: fc.integer({ min: 1, max: 3 }),
            length: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 200, max: 1200 })),
            // D = 4, 8 and 12: whole vec4s per invocation; D = 5 and 6: one element per invocation.
            hidden: fc.constantFrom(4, 5, 6, 8, 12),
            damping: fc.constantFrom(1, 0.5),
            seed: fc.integer({ min: 1, max: 1 << 20 }),
          }),
          async (spec) => {
            const labels = await fusedScanUpdateCase(apart, spec);
            const where = `${JSON.stringify(spec)}: ${labels.join()}`;
            expect(labels.includes(updateDirectLabel(spec.hidden)), where).toBe(true);
            expect(
              labels.some((label) => label.endsWith('-running-update')),
              where,
            ).toBe(false);
          },
        ),
        { seed: 6607, numRuns: 16 },
      );
    } finally {
      apart.destroy();
    }
  });

  it('replays recorded primitives once they record the same dispatches twice, with the same results', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          batch: fc.integer({ min: 1, max: 3 }),
          length: fc.integer({ min: 1, max: 90 }),
          seed: fc.integer({ min: 1, max: 1 << 20 }),
          hidden: fc.constantFrom(3, 8),
        }),
        async ({ batch, length, seed, hidden }) => {
          const cell = gru({ hidden, input: 3, seed });
          const inputs = randomArray(batch * length * 3, seed, -1, 1);
          const initialState = randomArray(batch * hidden, seed + 1, -0.5, 0.5);
          const problem = { cell, batch, length, inputs, initialState, historyCapacity: 16 };
          const gpuSession = await backend.createSession(problem);
          const cpuSession = await createCpuBackend().createSession(problem);
          const watch = watchDispatches(gpuSession);
          const update: UpdateOptions = { tolerance: 1e-6, criterion: 'step', reset: true };
          try {
            // quasi-DEER, then DEER (dense), then quasi-DEER again, then a different update: each switch is
            // encoded anew until it repeats.
            const modes = [
              ...['diagonal', 'diagonal', 'diagonal', 'diagonal'],
              ...['dense', 'dense', 'dense', 'dense', 'diagonal'],
            ];
            const encodedPerIteration: number[] = [];
            for (const [iteration, mode] of modes.entries()) {
              const before = watch.count;
              const options = iteration === modes.length - 1 ? { ...update, damping: 0.5 } : update;
              for (const session of [gpuSession, cpuSession]) {
                session.linearize(mode as 'diagonal' | 'dense');
                session.solveAffine(mode as 'diagonal' | 'dense');
                session.update(options);
              }
              encodedPerIteration.push(watch.count - before);
            }
            // A primitive replays from its third call on the same arrays (the first call allocates the lazy
            // arrays): the fourth quasi-DEER and the fourth DEER iteration encode nothing.
            const where = `B=${batch} T=${length} D=${hidden} seed=${seed}`;
            expect(encodedPerIteration[0], where).toBeGreaterThan(0);
            expect(encodedPerIteration[2], where).toBeLessThan(encodedPerIteration[0] as number);
            expect(encodedPerIteration[3], where).toBe(0);
            expect(encodedPerIteration[7], where).toBe(0);
            // The last iteration's update has other values: encoded, while its linearize and scan replay.
            expect(encodedPerIteration[8], where).toBeGreaterThan(0);
            await compareSessions(gpuSession, cpuSession, where, ['iterate']);
          } finally {
            watch.restore();
            gpuSession.destroy();
            cpuSession.destroy();
          }
        },
      ),
      { seed: 2611, numRuns: 8 },
    );
  });

  it('sequential() writes the sequential evaluation into every sequence', async () => {
    const cell = gru({ hidden: 5, input: 3, seed: 9 });
    const batch = 70;
    const length = 33;
    const inputs = randomArray(batch * length * 3, 4, -1, 1);
    const initialState = randomArray(batch * 5, 5, -1, 1);
    const problem = { cell, batch, length, inputs, initialState };
    const gpuSession = await backend.createSession(problem);
    const cpuSession = await createCpuBackend().createSession(problem);
    gpuSession.sequential();
    cpuSession.sequential();
    expect(maxRelativeError(await gpuSession.readStates(), await cpuSession.readStates())).toBeLessThan(1e-5);
    gpuSession.destroy();
    cpuSession.destroy();
  });
});
