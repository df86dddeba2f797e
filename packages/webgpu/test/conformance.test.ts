import { arGru, type Cell, elman, gru, lorenz96, lstm, minGru } from '@elk/cells';
import { createCpuBackend, evaluate } from '@elk/solvers';
import { describeWebGpu } from '@elk/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WebGpuBackend } from '../src/index.ts';
import { maxRelativeError, randomArray, testBackend } from './helpers.ts';

/** The zoo, small enough for lavapipe: name → (seed → cell). */
const cells: Record<string, (seed: number) => Cell> = {
  gru: (seed) => gru({ hidden: 4, input: 2, seed }),
  elman: (seed) => elman({ hidden: 3, input: 2, seed }),
  lstm: (seed) => lstm({ hidden: 2, input: 2, seed }),
  minGru: (seed) => minGru({ hidden: 4, input: 3, seed }),
  arGru: (seed) => arGru({ hidden: 3, seed }),
  lorenz96: () => lorenz96({ dim: 5 }),
};

type Method = 'sequential' | 'jacobi' | 'deer' | 'quasi-deer' | 'elk' | 'quasi-elk';
const methods: Method[] = ['sequential', 'jacobi', 'deer', 'quasi-deer', 'elk', 'quasi-elk'];

describeWebGpu('conformance: GPU evaluate = CPU evaluate (f32)', (gpu) => {
  let backend: WebGpuBackend;
  let fused: WebGpuBackend;
  beforeAll(async () => {
    expect(gpu().device).toBeDefined();
    backend = await testBackend();
    fused = await testBackend({ fusion: true });
  });
  afterAll(() => {
    backend.destroy();
    fused.destroy();
  });

  for (const [name, makeCell] of Object.entries(cells)) {
    it(`every method on ${name}: states within f32 tolerance, iteration counts within ±1`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            batch: fc.integer({ min: 1, max: name === 'lorenz96' ? 2 : 3 }),
            length: fc.integer({ min: 1, max: name === 'lorenz96' ? 16 : 70 }),
            seed: fc.integer({ min: 1, max: 1 << 20 }),
            estimator: fc.constantFrom('filter' as const, 'smoother' as const),
          }),
          async ({ batch, length, seed, estimator }) => {
            const cell = makeCell(seed);
            const inputs = randomArray(batch * length * cell.inputSize, seed, -1, 1);
            const scale = name === 'lorenz96' ? 8 : 0.5;
            const initialState = randomArray(batch * cell.stateSize, seed + 1, -scale, scale);
            for (const method of methods) {
              const options = {
                inputs,
                initialState,
                batch,
                length,
                method,
                estimator,
                stopping: 'reference' as const,
                tolerance: 1e-5,
              };
              const cpu = await evaluate(cell, { ...options, backend: createCpuBackend() });
              const result = await evaluate(cell, { ...options, backend });
              const where = `${name} ${method} ${estimator} B=${batch} T=${length} seed=${seed}`;
              expect(result.states, where).toBeInstanceOf(Float32Array);
              expect(maxRelativeError(result.states, cpu.states), where).toBeLessThan(2e-4);
              for (let b = 0; b < batch; b++) {
                const gpuIterations = result.perSequence.iterations[b] ?? -1;
                const cpuIterations = cpu.perSequence.iterations[b] ?? -1;
                expect(Math.abs(gpuIterations - cpuIterations), `${where} sequence ${b}`).toBeLessThanOrEqual(
                  1,
                );
              }
              expect(result.converged, where).toBe(cpu.converged);
              if (method === 'quasi-deer') {
                const fusedResult = await evaluate(cell, { ...options, backend: fused });
                expect(maxRelativeError(fusedResult.states, cpu.states), `${where} fused`).toBeLessThan(2e-4);
                expect(fusedResult.iterations, `${where} fused`).toBe(result.iterations);
              }
            }
          },
        ),
        { seed: 6106, numRuns: 2 },
      );
    });
  }

  it('sessions larger than one storage binding run in windows of whole sequences', async () => {
    const cell = gru({ hidden: 3, input: 2, seed: 8 });
    const batch = 5;
    const length = 400;
    const inputs = randomArray(batch * length * 2, 9, -1, 1);
    const initialState = randomArray(batch * 3, 10, -0.5, 0.5);
    // 16 KiB bindings: states (4800 bytes per sequence) in windows of 3 sequences, dense Jacobians one by one.
    const windowed = await testBackend({ maxBindingBytes: 16384 });
    const windowedFused = await testBackend({ maxBindingBytes: 16384, fusion: true });
    try {
      for (const method of ['sequential', 'jacobi', 'quasi-deer', 'deer', 'quasi-elk', 'elk'] as const) {
        const options = {
          inputs,
          initialState,
          batch,
          method,
          stopping: 'reference' as const,
          tolerance: 1e-5,
        };
        const cpu = await evaluate(cell, { ...options, backend: createCpuBackend() });
        for (const target of [windowed, windowedFused]) {
          const result = await evaluate(cell, { ...options, backend: target });
          expect(maxRelativeError(result.states, cpu.states), method).toBeLessThan(2e-4);
          expect(result.iterations, method).toBe(cpu.iterations);
        }
      }
    } finally {
      windowed.destroy();
      windowedFused.destroy();
    }
  });

  it('kernels specialised for hardware (loops unrolled) agree with the CPU as well', async () => {
    const unrolled = await testBackend({ unroll: true });
    try {
      const cell = gru({ hidden: 3, input: 2, seed: 5 });
      const batch = 2;
      const length = 40;
      const inputs = randomArray(batch * length * 2, 6, -1, 1);
      const initialState = randomArray(batch * 3, 7, -0.5, 0.5);
      for (const method of ['sequential', 'quasi-deer', 'deer', 'quasi-elk'] as const) {
        const options = {
          inputs,
          initialState,
          batch,
          method,
          stopping: 'reference' as const,
          tolerance: 1e-5,
        };
        const cpu = await evaluate(cell, { ...options, backend: createCpuBackend() });
        const result = await evaluate(cell, { ...options, backend: unrolled });
        expect(maxRelativeError(result.states, cpu.states), method).toBeLessThan(2e-4);
        expect(result.iterations, method).toBe(cpu.iterations);
      }
    } finally {
      unrolled.destroy();
    }
  });

  it('quasi-DEER at T = 30 000 (two sequences): GPU = CPU, all sequences converge', async () => {
    const cell = gru({ hidden: 8, input: 2, seed: 11 });
    const batch = 2;
    const length = 30_000;
    const inputs = randomArray(batch * length * 2, 12, -1, 1);
    const initialState = new Float32Array(batch * 8);
    const options = {
      inputs,
      initialState,
      batch,
      method: 'quasi-deer' as const,
      stopping: 'reference' as const,
    };
    const cpu = await evaluate(cell, { ...options, backend: createCpuBackend() });
    const result = await evaluate(cell, { ...options, backend });
    const fusedResult = await evaluate(cell, { ...options, backend: fused });
    expect(maxRelativeError(fusedResult.states, cpu.states)).toBeLessThan(2e-4);
    expect(fusedResult.iterations).toBe(result.iterations);
    expect(result.converged).toBe(true);
    expect(maxRelativeError(result.states, cpu.states)).toBeLessThan(2e-4);
    const difference = result.perSequence.iterations.map((n, b) =>
      Math.abs(n - (cpu.perSequence.iterations[b] ?? 0)),
    );
    expect(Math.max(...difference)).toBeLessThanOrEqual(1);
  });
});
