import { gru } from '@elk/cells';
import { createCpuBackend, evaluate } from '@elk/solvers';
import { describeWebGpu } from '@elk/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WebGpuBackend } from '../src/index.ts';
import {
  type DispatchWatch,
  maxRelativeError,
  randomArray,
  testBackend,
  watchDispatches,
} from './helpers.ts';

type Method = 'quasi-deer' | 'deer' | 'quasi-elk' | 'elk';

/** A GRU problem of the given shape with its own weights, inputs and initial state (all from `seed`). */
function problem(batch: number, length: number, hidden: number, seed: number) {
  const cell = gru({ hidden, input: 3, seed });
  const inputs = randomArray(batch * length * 3, seed + 1, -1, 1);
  const initialState = randomArray(batch * hidden, seed + 2, -0.5, 0.5);
  return { cell, options: { inputs, initialState, batch, length, tolerance: 1e-5 } };
}

/** Counts the bind groups `device` creates while `run` runs. */
async function countBindGroups<T>(device: GPUDevice, run: () => Promise<T>): Promise<[T, number]> {
  const create = device.createBindGroup;
  let count = 0;
  device.createBindGroup = function (this: GPUDevice, descriptor: GPUBindGroupDescriptor) {
    count++;
    return create.call(this, descriptor);
  };
  try {
    return [await run(), count];
  } finally {
    device.createBindGroup = create;
  }
}

describeWebGpu("a destroyed session's arrays serve the next session of the same shape", (gpu) => {
  let backend: WebGpuBackend;
  /**
   * Kernel choices whose recordings differ: the fused iteration (an odd number of swaps per iteration) and the
   * single-pass scan with `update` fused.
   */
  let variants: Record<string, WebGpuBackend>;
  beforeAll(async () => {
    expect(gpu().device).toBeDefined();
    backend = await testBackend();
    variants = {
      default: backend,
      fusion: await testBackend({ fusion: true }),
      'single-pass scan-update': await testBackend({ scanVariant: 'single-pass', scanUpdate: true }),
    };
  });
  afterAll(() => {
    for (const target of Object.values(variants)) target.destroy();
  });

  it('solves each problem of a run of same-shape problems as the CPU does, with new weights and inputs each', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          batch: fc.integer({ min: 1, max: 3 }),
          length: fc.integer({ min: 1, max: 90 }),
          hidden: fc.constantFrom(3, 4, 8),
          method: fc.constantFrom<Method>('quasi-deer', 'deer', 'quasi-elk', 'elk'),
          variant: fc.constantFrom('default', 'fusion', 'single-pass scan-update'),
          seeds: fc.array(fc.integer({ min: 1, max: 1 << 20 }), { minLength: 2, maxLength: 3 }),
        }),
        async ({ batch, length, hidden, method, variant, seeds }) => {
          const target = variants[variant] as WebGpuBackend;
          for (const [index, seed] of seeds.entries()) {
            const { cell, options } = problem(batch, length, hidden, seed);
            const where = `${method} ${variant} B=${batch} T=${length} D=${hidden} seed=${seed} (problem ${index + 1})`;
            const cpu = await evaluate(cell, { ...options, method, backend: createCpuBackend() });
            const result = await evaluate(cell, { ...options, method, backend: target });
            expect(maxRelativeError(result.states, cpu.states), where).toBeLessThan(2e-4);
            expect(result.converged, where).toBe(cpu.converged);
            expect(Math.abs(result.iterations - cpu.iterations), where).toBeLessThanOrEqual(1);
          }
        },
      ),
      { numRuns: 20, seed: 4242 },
    );
  });

  it('finds every array in its role again: the second solve of a shape creates no bind group', async () => {
    const first = problem(2, 64, 8, 11);
    const second = problem(2, 64, 8, 12);
    const cpu = await evaluate(second.cell, {
      ...second.options,
      method: 'quasi-deer',
      backend: createCpuBackend(),
    });
    const [, firstGroups] = await countBindGroups(backend.device, () =>
      evaluate(first.cell, { ...first.options, method: 'quasi-deer', backend }),
    );
    const [result, secondGroups] = await countBindGroups(backend.device, () =>
      evaluate(second.cell, { ...second.options, method: 'quasi-deer', backend }),
    );
    expect(maxRelativeError(result.states, cpu.states)).toBeLessThan(2e-4);
    expect(firstGroups).toBeGreaterThan(0);
    expect(secondGroups).toBe(0);
  });

  it('replays from the first iteration on: a second solve of a shape records only first-use work, a third nothing', async () => {
    /** The labels of what a solve of `seed` records through the backend's dispatch (replays bypass it). */
    async function recorded(seed: number): Promise<string[]> {
      const { cell, options } = problem(2, 96, 8, seed);
      const cpu = await evaluate(cell, { ...options, method: 'quasi-deer', backend: createCpuBackend() });
      let watch: DispatchWatch | undefined;
      const create = backend.createSession.bind(backend);
      const watched = Object.create(backend) as WebGpuBackend;
      watched.createSession = async (problem) => {
        const session = await create(problem);
        watch = watchDispatches(session);
        return session;
      };
      try {
        const result = await evaluate(cell, { ...options, method: 'quasi-deer', backend: watched });
        expect(maxRelativeError(result.states, cpu.states), `seed ${seed}`).toBeLessThan(2e-4);
        expect(result.iterations).toBeGreaterThan(2);
      } finally {
        watch?.restore();
      }
      expect(watch).toBeDefined();
      return [...(watch?.labels ?? [])];
    }
    const first = await recorded(31);
    expect(first.some((label) => label.startsWith('linearize'))).toBe(true);
    // The tiled linearisation's transposed weights and input projections, once per session: recorded in the
    // second solve, replayed from the third on.
    const second = await recorded(32);
    expect(
      second.every((label) => /^(gemm-weights|input-projection)/.test(label)),
      second.join(),
    ).toBe(true);
    expect(
      second.some((label) => label.startsWith('gemm-weights')),
      second.join(),
    ).toBe(true);
    expect(
      second.some((label) => label.startsWith('input-projection')),
      second.join(),
    ).toBe(true);
    expect(await recorded(33)).toEqual([]);
  });

  it("starts each session's candidate at 0, as the CPU does, whatever the arrays held before", async () => {
    const first = problem(2, 50, 4, 41);
    await evaluate(first.cell, { ...first.options, method: 'quasi-deer', backend });
    const { cell, options } = problem(2, 50, 4, 42);
    const spec = { cell, batch: 2, length: 50, inputs: options.inputs, initialState: options.initialState };
    const sessions = [await backend.createSession(spec), await createCpuBackend().createSession(spec)];
    try {
      const candidates: Float32Array[] = [];
      for (const session of sessions) {
        // The first sequence stops before its first iteration: its candidate is never written.
        session.setActive(Uint8Array.of(0, 1));
        session.linearize('diagonal');
        session.solveAffine('diagonal');
        session.update({ tolerance: 1e-6, criterion: 'step', reset: true });
        candidates.push(Float32Array.from(await session.readStates('candidate')));
      }
      const [gpu, cpu] = candidates as [Float32Array, Float32Array];
      expect(Array.from(gpu.subarray(0, 50 * 4))).toEqual(new Array(50 * 4).fill(0));
      expect(maxRelativeError(gpu, cpu)).toBeLessThan(1e-4);
    } finally {
      for (const session of sessions) session.destroy();
    }
  });

  it('holds no more memory than free arrays would: another shape or trim releases the parked arrays', async () => {
    // Uniform blocks stay cached outside the free arrays: every bound below leaves them room, and each is
    // far below one state array (2 · 2000 · 4 floats = 64000 bytes).
    const stateBytes = 2 * 2000 * 4 * 4;
    backend.trim();
    const baseline = backend.allocatedBytes;
    const { cell, options } = problem(2, 2000, 4, 21);
    const base = { cell, batch: 2, length: 2000, inputs: options.inputs, initialState: options.initialState };
    const first = await backend.createSession({ ...base, historyCapacity: 64 });
    first.linearize('diagonal');
    first.destroy();
    const parked = backend.allocatedBytes;
    expect(parked - baseline).toBeGreaterThan(4 * stateBytes);
    // The same shape takes the parked arrays: nothing is allocated.
    const again = await backend.createSession({ ...base, historyCapacity: 64 });
    again.linearize('diagonal');
    again.destroy();
    expect(backend.allocatedBytes).toBe(parked);
    // Another shape (a longer history: one array of another size) asks the pool for its arrays: the parked
    // ones become free ones and serve every request of their size, so little more than the history is new.
    const other = await backend.createSession({ ...base, historyCapacity: 65 });
    other.linearize('diagonal');
    await other.readStatus();
    other.destroy();
    expect(backend.allocatedBytes - parked).toBeGreaterThan(0);
    expect(backend.allocatedBytes - parked).toBeLessThan(stateBytes / 4);
    // trim destroys the parked arrays with the free ones.
    backend.trim();
    expect(backend.allocatedBytes - baseline).toBeLessThan(stateBytes / 2);
  });
});
