import { gru } from '@elk/cells';
import { createCpuBackend, type EvaluateResult, evaluate } from '@elk/solvers';
import { describeWebGpu } from '@elk/testing';
import { createWebGpuBackend } from '@elk/webgpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../src/analysis/random.ts';
import type { Method } from '../src/defaults.ts';
import { runMethod } from '../src/figures/run-method.ts';
import { phaseTimedBackend } from '../src/gpu/phase-timed-backend.ts';

const METHODS: Method[] = ['sequential', 'quasi-deer', 'quasi-elk', 'deer', 'elk', 'jacobi'];

function problem(seed: number, batch: number, length: number, dim: number) {
  const cell = gru({ hidden: dim, input: dim, seed });
  const inputs = createRandom(seed).fillNormal(new Float32Array(batch * length * dim));
  return { cell, inputs, initialState: new Float32Array(batch * dim), batch };
}

/** What evaluate decided: iterations, convergence and stop reasons, per sequence and overall. */
function decisions(result: EvaluateResult) {
  return {
    iterations: result.iterations,
    converged: result.converged,
    perSequence: result.perSequence,
  };
}

describe('phase-timed backend on the CPU', () => {
  it('leaves evaluate unchanged: same iterations, convergence, stop reasons and states, for random GRUs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(...METHODS),
        async (seed, batch, length, dim, method) => {
          const { cell, ...data } = problem(seed, batch, length, dim);
          const backend = createCpuBackend();
          const options = { ...data, method, maxIterations: 50, backend };
          const plain = await evaluate(cell, options);
          const timed = phaseTimedBackend(backend);
          const wrapped = await evaluate(cell, { ...options, backend: timed.backend });
          expect(decisions(wrapped)).toEqual(decisions(plain));
          expect(Array.from(wrapped.states)).toEqual(Array.from(plain.states));
          const phases = timed.phases(1);
          // One update per iteration on the CPU (status read after every iteration, none after the last
          // decision); sequential is one pass.
          expect(phases.dispatchedIterations).toBe(method === 'sequential' ? 1 : wrapped.iterations);
          expect(phases.statusReads).toBe(method === 'sequential' ? 0 : wrapped.iterations);
          backend.destroy();
        },
      ),
      { seed: 1017, numRuns: 60 },
    );
  });

  it('keeps a timeline of the primitives and reads when asked: one L S U per iteration, reads in order', async () => {
    const { cell, ...data } = problem(5, 2, 30, 3);
    const backend = createCpuBackend();
    const timed = phaseTimedBackend(backend, undefined, { timeline: true });
    const result = await evaluate(cell, { ...data, method: 'quasi-deer', backend: timed.backend });
    const words = (timed.phases(1).timeline ?? '').split(' ');
    const codes = words.map((word) => word.split('@')[0]).join('');
    // Each iteration: linearize, solveAffine, update, then the CPU's read; the last read answered after the
    // last command, so the wrapper reads nothing of its own.
    expect(codes).toBe('LSUrR'.repeat(result.iterations));
    const sequential = phaseTimedBackend(backend, undefined, { timeline: true });
    await evaluate(cell, { ...data, method: 'sequential', backend: sequential.backend });
    // After sequential no status read followed: the wrapper's own read ends the solve.
    expect(
      (sequential.phases(1).timeline ?? '')
        .split(' ')
        .map((word) => word.split('@')[0])
        .join(''),
    ).toBe('QrR');
    const times = words.map((word) => Number(word.split('@')[1]));
    expect(
      times.every((time, index) => time >= 0 && (index === 0 || time >= (times[index - 1] as number))),
    ).toBe(true);
    expect(phaseTimedBackend(backend).phases(1).timeline).toBeUndefined();
    backend.destroy();
  });
});

describeWebGpu('phase-timed backend on WebGPU', (gpu) => {
  it.each(['sequential', 'quasi-deer', 'quasi-elk', 'deer'] satisfies Method[])(
    '%s: the timed evaluate takes the same iterations and stops the same way as evaluate',
    async (method) => {
      const { device } = gpu();
      const backend = await createWebGpuBackend({ device });
      for (const [seed, batch, length, dim] of [
        [3, 2, 64, 4],
        [4, 3, 200, 3],
      ] as const) {
        const { cell, ...data } = problem(seed, batch, length, dim);
        const options = { ...data, method, maxIterations: 60, tolerance: 1e-4, backend };
        const plain = await evaluate(cell, options);
        const timed = phaseTimedBackend(backend);
        const wrapped = await evaluate(cell, { ...options, backend: timed.backend });
        expect(decisions(wrapped)).toEqual(decisions(plain));
        const difference = Array.from(wrapped.states).reduce(
          (most, value, index) => Math.max(most, Math.abs(value - (plain.states[index] ?? Number.NaN))),
          0,
        );
        expect(difference).toBeLessThanOrEqual(1e-6);
        const phases = timed.phases(Number.POSITIVE_INFINITY);
        expect(phases.dispatchedIterations).toBeGreaterThanOrEqual(wrapped.iterations);
        if (method !== 'sequential') expect(phases.statusReads).toBeGreaterThanOrEqual(1);
        expect(phases.solveSeconds).toBeGreaterThan(0);
        expect(phases.readbackSeconds).toBeGreaterThan(0);
      }
      backend.destroy();
    },
  );
});

describe('the work before the solve', () => {
  it('runs between upload and solve, once per session, and is left out of every phase', async () => {
    const { cell, ...data } = problem(5, 2, 30, 3);
    const backend = createCpuBackend();
    let calls = 0;
    let solveStartedBefore = false;
    let spent = 0;
    const timed = phaseTimedBackend(backend, async () => {
      calls++;
      solveStartedBefore = timed.phases(0).solveSeconds > 0;
      const began = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 30));
      spent = (performance.now() - began) / 1000;
      return spent;
    });
    const started = performance.now();
    const result = await evaluate(cell, { ...data, method: 'quasi-deer', backend: timed.backend });
    const total = (performance.now() - started) / 1000;
    const phases = timed.phases(total);
    expect(result.converged).toBe(true);
    expect(calls).toBe(1);
    expect(solveStartedBefore).toBe(false);
    expect(phases.warmUpSeconds).toBe(spent);
    expect(spent).toBeGreaterThan(0.02);
    expect(
      phases.uploadSeconds + phases.solveSeconds + phases.readbackSeconds + phases.otherSeconds,
    ).toBeCloseTo(total - spent, 6);
    backend.destroy();
  });
});

describe('runMethod with work before the solve', () => {
  it('leaves the warm-up out of its seconds and its phases, which add up to those seconds', async () => {
    const { cell, ...data } = problem(9, 2, 40, 3);
    const backend = createCpuBackend();
    let spent = 0;
    const measured = await runMethod(cell, {
      ...data,
      method: 'quasi-deer',
      backend,
      maxIterations: 50,
      beforeSolve: async () => {
        const began = performance.now();
        await new Promise((resolve) => setTimeout(resolve, 40));
        spent = (performance.now() - began) / 1000;
        return spent;
      },
    });
    const { uploadSeconds, solveSeconds, readbackSeconds, otherSeconds, warmUpSeconds } = measured.phases;
    expect(warmUpSeconds).toBe(spent);
    expect(spent).toBeGreaterThan(0.03);
    expect(uploadSeconds + solveSeconds + readbackSeconds + otherSeconds).toBeCloseTo(measured.seconds, 6);
    backend.destroy();
  });
});
