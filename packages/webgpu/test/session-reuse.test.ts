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
  beforeAll(async () => {
    expect(gpu().device).toBeDefined();
    backend = await testBackend();
  });
  afterAll(() => backend.destroy());

  it('solves each problem of a run of same-shape problems as the CPU does, with new weights and inputs each', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          batch: fc.integer({ min: 1, max: 3 }),
          length: fc.integer({ min: 1, max: 90 }),
          hidden: fc.constantFrom(3, 4, 8),
          method: fc.constantFrom<Method>('quasi-deer', 'deer', 'quasi-elk', 'elk'),
          seeds: fc.array(fc.integer({ min: 1, max: 1 << 20 }), { minLength: 2, maxLength: 3 }),
        }),
        async ({ batch, length, hidden, method, seeds }) => {
          for (const [index, seed] of seeds.entries()) {
            const { cell, options } = problem(batch, length, hidden, seed);
            const where = `${method} B=${batch} T=${length} D=${hidden} seed=${seed} (problem ${index + 1})`;
            const cpu = await evaluate(cell, { ...options, method, backend: createCpuBackend() });
            const result = await evaluate(cell, { ...options, method, backend });
            expect(maxRelativeError(result.states, cpu.states), where).toBeLessThan(2e-4);
            expect(result.converged, where).toBe(cpu.converged);
            expect(Math.abs(result.iterations - cpu.iterations), where).toBeLessThanOrEqual(1);
          }
        },
      ),
      { numRuns: 12, seed: 4242 },
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
    expect(await recorded(33)).toEqual([]);
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
