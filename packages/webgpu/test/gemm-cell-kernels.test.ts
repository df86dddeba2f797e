import { elman, gru, lstm, minGru } from '@elk/cells';
import { createCpuBackend, type EvaluateResult, evaluate, type Method } from '@elk/solvers';
import { describeWebGpu } from '@elk/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebGpuBackend, type WebGpuBackend, WebGpuInputError, webGpuDefaults } from '../src/index.ts';
import { tiledLinearizeWgsl } from '../src/session/gemm-cell-kernels.ts';
import {
  gemmTilePlan,
  inputProjectionPlans,
  stagesRecurrentWeights,
  tiledLinearizeLimits,
  tiledLinearizePlan,
} from '../src/session/gemm-tile-plan.ts';
import type { SessionView } from '../src/session/session-view.ts';
import { maxRelativeError, randomArray, testBackend, watchDispatches } from './helpers.ts';

type Layout = 'flax' | 'torch';
const sizes = [1, 3, 8, 17, 32, 64];

/** A GRU (or Elman cell) with I = min(D, 5) in `layout`, its inputs and initial state. */
function problem(
  D: number,
  layout: Layout,
  batch: number,
  length: number,
  seed: number,
  kind: 'gru' | 'elman' = 'gru',
) {
  const input = Math.min(D, 5);
  const make = kind === 'gru' ? gru : elman;
  const cell = make({ hidden: D, input, seed, layout });
  const inputs = randomArray(batch * length * input, seed + 1, -1, 1);
  const initialState = randomArray(batch * D, seed + 2, -0.5, 0.5);
  return { cell, options: { inputs, initialState, batch, length } };
}

/** A cell with its inputs, initial state and batch (the evaluate options but the method and backend). */
interface Problem {
  readonly cell: Parameters<typeof evaluate>[0];
  readonly options: {
    readonly inputs: Float32Array;
    readonly initialState: Float32Array;
    readonly batch: number;
    readonly length?: number;
  };
}

/**
 * `method` on the CPU backend and on each of `backends` (the reference stopping rule, tolerance 1e-5): every
 * backend's states within 2e-4 (relative) of the CPU's, with the same convergence, and, with `iterations`, the
 * same iteration count. Returns the results by backend name, the CPU's as `cpu`.
 */
async function againstCpu(
  { cell, options }: Problem,
  method: Method,
  backends: Record<string, WebGpuBackend>,
  where: string,
  iterations = false,
): Promise<Record<string, EvaluateResult>> {
  const run = { ...options, method, stopping: 'reference' as const, tolerance: 1e-5 };
  const results: Record<string, EvaluateResult> = {
    cpu: await evaluate(cell, { ...run, backend: createCpuBackend() }),
  };
  const cpu = results.cpu as EvaluateResult;
  for (const [name, backend] of Object.entries(backends)) {
    const result = await evaluate(cell, { ...run, backend });
    results[name] = result;
    expect(maxRelativeError(result.states, cpu.states), `${where} ${name}`).toBeLessThan(2e-4);
    expect(result.converged, `${where} ${name}`).toBe(cpu.converged);
    if (iterations) expect(result.iterations, `${where} ${name}`).toBe(cpu.iterations);
  }
  return results;
}

describe('GEMM tile plans', () => {
  it('rows per invocation divide the block, every unit is owned, the workgroup and storage fit the limits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 0, max: 300 }),
        fc.constantFrom(1, 3),
        fc.constantFrom(16384, 32768, 49152),
        fc.constantFrom(128, 256, 1024),
        (D, I, gates, storage, invocations) => {
          const plan = gemmTilePlan(D, I, gates, storage, invocations);
          const W = webGpuDefaults.workgroupSize;
          const quads = Math.ceil(D / 4);
          // The state alone with D a multiple of 4 is staged as vec4 rows (D + 4 words apart), else odd strides.
          const vectorRows = I === 0 && D % 4 === 0;
          const stagedBytes = W * (vectorRows ? D + 4 : I + D + 1) * 4;
          if (D <= 128 && invocations >= 256 && stagedBytes + 256 * 20 <= storage) expect(plan).toBeDefined();
          if (!plan) return;
          expect(plan.unitQuads).toBe(quads);
          expect(plan.rowsPerInvocation * plan.rowGroups).toBe(W);
          expect(plan.rowsPerInvocation).toBeLessThanOrEqual(8);
          expect(plan.workgroupSize).toBeGreaterThanOrEqual(quads * plan.rowGroups);
          expect(plan.workgroupSize).toBeLessThanOrEqual(invocations);
          expect(Math.log2(plan.workgroupSize) % 1).toBe(0);
          expect(plan.rowStride % 2).toBe(1);
          expect(plan.vectorRowStride).toBe(vectorRows ? D + 4 : undefined);
          expect(plan.rowStride).toBeGreaterThanOrEqual(I + D);
          expect(plan.workgroupBytes).toBeLessThanOrEqual(storage);
        },
      ),
      { seed: 1210, numRuns: 300 },
    );
  });

  it('D > 128, dense mode, other cells and the per-element choice run the per-element kernel', () => {
    expect(gemmTilePlan(129, 1, 3, 49152, 256)).toBeUndefined();
    expect(gemmTilePlan(128, 1, 3, 49152, 256)?.rowsPerInvocation).toBe(8);
    expect(gemmTilePlan(64, 64, 3, 49152, 256)).toMatchObject({ rowsPerInvocation: 4, workgroupSize: 256 });
    expect(gemmTilePlan(64, 64, 3, 49152, 1024)).toMatchObject({ rowsPerInvocation: 2, workgroupSize: 512 });
    // Only the state staged (the input projections precomputed): 4 rows from Q = 8 on.
    expect(gemmTilePlan(64, 0, 3, 49152, 1024)).toMatchObject({ rowsPerInvocation: 4, workgroupSize: 256 });
    expect(gemmTilePlan(32, 0, 3, 49152, 1024)).toMatchObject({ rowsPerInvocation: 4, workgroupSize: 128 });
    expect(gemmTilePlan(28, 0, 3, 49152, 1024)).toMatchObject({ rowsPerInvocation: 2, workgroupSize: 256 });
    expect(gemmTilePlan(64, 64, 3, 49152, 1024, 8)).toMatchObject({
      rowsPerInvocation: 8,
      workgroupSize: 128,
    });
    expect(gemmTilePlan(64, 64, 3, 49152, 1024, 3)).toBeUndefined();
    expect(gemmTilePlan(8, 8, 3, 16384, 256)).toMatchObject({ rowsPerInvocation: 1, workgroupSize: 128 });
    expect(gemmTilePlan(16, 16, 3, 16384, 256)).toMatchObject({ rowsPerInvocation: 2, workgroupSize: 128 });
    const shape = { gemm: 'gru' as const, stateSize: 8, inputSize: 8 };
    const limits = { storageBytes: 16384, invocations: 256, storageBuffers: 10 };
    expect(tiledLinearizePlan(shape, 'dense', 'tiled', limits)).toBeUndefined();
    expect(tiledLinearizePlan(shape, 'diagonal', 'per-element', limits)).toBeUndefined();
    expect(tiledLinearizePlan({ ...shape, gemm: undefined }, 'diagonal', 'tiled', limits)).toBeUndefined();
    expect(tiledLinearizePlan(shape, 'none', 'tiled', limits)).toBeDefined();
    // WebGPU's default limit of 8 storage buffers per stage: the diagonal mode (9) falls back, 'none' (8) runs.
    const defaults = { ...limits, storageBuffers: 8 };
    expect(tiledLinearizePlan(shape, 'diagonal', 'tiled', defaults)).toBeUndefined();
    expect(tiledLinearizePlan(shape, 'none', 'tiled', defaults)).toBeDefined();
  });

  it('linearizeRows forces R where the workgroup fits, else the automatic plan runs', () => {
    const shape = { gemm: 'gru' as const, stateSize: 64, inputSize: 64 };
    const limits = { storageBytes: 49152, invocations: 256, storageBuffers: 10 };
    expect(tiledLinearizePlan(shape, 'diagonal', 'tiled', limits, 8)?.rowsPerInvocation).toBe(8);
    expect(tiledLinearizePlan(shape, 'diagonal', 'tiled', limits, 'auto')?.rowsPerInvocation).toBe(4);
    // R = 1 needs 16 × 64 invocations: more than the device's 256.
    expect(tiledLinearizePlan(shape, 'diagonal', 'tiled', limits, 1)?.rowsPerInvocation).toBe(4);
    const size = { batch: 2, length: 100, maxBufferSize: 2 ** 30, sequenceBindingBytes: 2 ** 27 };
    const kernels = { linearize: 'tiled', inputProjections: 'auto', linearizeRows: 2 } as const;
    const large = { ...limits, invocations: 1024 };
    expect(inputProjectionPlans(shape, kernels, large, size)?.linearize.rowsPerInvocation).toBe(2);
    // Q · 64 / 2 = 512 invocations do not fit 256: the automatic plan.
    expect(inputProjectionPlans(shape, kernels, limits, size)?.linearize.rowsPerInvocation).toBe(4);
  });

  it('the workgroup size respects both the invocations and the x-size limit', () => {
    const limits = tiledLinearizeLimits({
      maxComputeWorkgroupStorageSize: 65536,
      maxComputeInvocationsPerWorkgroup: 1024,
      maxComputeWorkgroupSizeX: 256,
      maxStorageBuffersPerShaderStage: 10,
    });
    expect(limits.invocations).toBe(256);
    const plan = tiledLinearizePlan(
      { gemm: 'gru', stateSize: 68, inputSize: 0 },
      'diagonal',
      'tiled',
      limits,
    );
    expect(plan?.workgroupSize).toBeLessThanOrEqual(256);
  });

  it('the row-parallel kernel stages W_h exactly when it fits', () => {
    expect(stagesRecurrentWeights(32, 32, 3, 16384)).toBe(true);
    expect(stagesRecurrentWeights(64, 64, 3, 49152)).toBe(false);
    expect(stagesRecurrentWeights(64, 64, 1, 49152)).toBe(true);
    expect(stagesRecurrentWeights(36, 4, 3, 16384)).toBe(true);
    expect(stagesRecurrentWeights(37, 4, 3, 16384)).toBe(false);
  });

  it('input projections: precomputed where asked and applicable, from D = 8 on by default, never without inputs', () => {
    const limits = { storageBytes: 49152, invocations: 1024, storageBuffers: 10 };
    const size = { batch: 16, length: 1000, maxBufferSize: 2 ** 32, sequenceBindingBytes: 2 ** 30 };
    const tiled = (inputProjections: 'auto' | 'precomputed' | 'recomputed') =>
      ({ linearize: 'tiled', inputProjections }) as const;
    const gru64 = { gemm: 'gru', stateSize: 64, inputSize: 64 } as const;
    const plans = inputProjectionPlans(gru64, tiled('auto'), limits, size);
    expect(plans?.wordsPerStep).toBe(3 * 16 * 4);
    expect(plans?.linearize.rowStride).toBe(65);
    expect(plans?.linearize.vectorRowStride).toBe(68);
    expect(inputProjectionPlans({ ...gru64, stateSize: 4 }, tiled('auto'), limits, size)).toBeUndefined();
    expect(inputProjectionPlans({ ...gru64, stateSize: 8 }, tiled('auto'), limits, size)).toBeDefined();
    expect(
      inputProjectionPlans({ ...gru64, stateSize: 4 }, tiled('precomputed'), limits, size),
    ).toBeDefined();
    expect(inputProjectionPlans(gru64, tiled('recomputed'), limits, size)).toBeUndefined();
    expect(
      inputProjectionPlans({ ...gru64, inputSize: 0 }, tiled('precomputed'), limits, size),
    ).toBeUndefined();
    expect(
      inputProjectionPlans({ ...gru64, gemm: undefined }, tiled('precomputed'), limits, size),
    ).toBeUndefined();
    expect(
      inputProjectionPlans(
        gru64,
        { linearize: 'per-element', inputProjections: 'precomputed' },
        limits,
        size,
      ),
    ).toBeUndefined();
    expect(
      inputProjectionPlans(gru64, tiled('auto'), { ...limits, storageBuffers: 8 }, size),
    ).toBeUndefined();
    // B·T·G·Q·16 bytes must fit one buffer.
    expect(
      inputProjectionPlans(gru64, tiled('auto'), limits, { ...size, maxBufferSize: 3 * 2 ** 20 }),
    ).toBeUndefined();
    expect(
      inputProjectionPlans({ gemm: 'elman', stateSize: 40, inputSize: 3 }, tiled('auto'), limits, size)
        ?.wordsPerStep,
    ).toBe(40);
  });
});

describeWebGpu('GEMM-core kernels: tiled linearize and row-parallel sequential', (gpu) => {
  let plain: WebGpuBackend;
  let variants: WebGpuBackend;
  let projected: WebGpuBackend;
  beforeAll(async () => {
    expect(gpu().device).toBeDefined();
    plain = await testBackend({ linearizeKernel: 'per-element', sequentialKernel: 'per-sequence' });
    // The tiled kernel with the inputs staged every iteration, and with them precomputed once.
    variants = await testBackend({
      linearizeKernel: 'tiled',
      sequentialKernel: 'row-parallel',
      inputProjections: 'recomputed',
    });
    projected = await testBackend({ linearizeKernel: 'tiled', inputProjections: 'precomputed' });
  });
  afterAll(() => {
    plain.destroy();
    variants.destroy();
    projected.destroy();
  });

  it('the projected backend precomputes the inputs at every size under test, the other one never', async () => {
    for (const D of sizes) {
      const { cell, options } = problem(D, 'flax', 2, 20, 9);
      const sessionOf = async (backend: WebGpuBackend) => backend.createSession({ cell, ...options });
      const withProjections = await sessionOf(projected);
      const without = await sessionOf(variants);
      expect((withProjections as unknown as SessionView).projections, `D=${D}`).toBeDefined();
      expect((without as unknown as SessionView).projections, `D=${D}`).toBeUndefined();
      withProjections.destroy();
      without.destroy();
    }
  });

  it('the sizes under test run the tiled kernel on this device', () => {
    for (const D of sizes) {
      for (const gemm of ['gru', 'elman'] as const) {
        const shape = { gemm, stateSize: D, inputSize: Math.min(D, 5) };
        expect(
          tiledLinearizePlan(shape, 'diagonal', 'tiled', tiledLinearizeLimits(variants.capabilities)),
          `${gemm} D=${D}`,
        ).toBeDefined();
      }
    }
  });

  for (const D of sizes) {
    it(`D = ${D}: variants = default kernels = CPU (sequential, quasi-DEER, quasi-ELK; Jacobi, DEER, ELK where small)`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            layout: fc.constantFrom<Layout>('flax', 'torch'),
            batch: fc.integer({ min: 2, max: 3 }),
            length: fc.integer({ min: 1, max: D >= 32 ? 90 : 150 }),
            seed: fc.integer({ min: 1, max: 1 << 20 }),
          }),
          async ({ layout, batch, length, seed }) => {
            const gruProblem = problem(D, layout, batch, length, seed);
            const methods = ['sequential', 'quasi-deer', 'quasi-elk'] as const;
            const dense = D <= 3 ? (['deer', 'elk'] as const) : (['deer'] as const);
            const all = D <= 17 ? [...methods, 'jacobi' as const, ...dense] : methods;
            for (const method of all) {
              const where = `${layout} D=${D} B=${batch} T=${length} seed=${seed} ${method}`;
              // The tiled and row-parallel variants, and the input half of the gates precomputed once per
              // session: the CPU's states, and iterations within one of the default kernels'.
              const results = await againstCpu(gruProblem, method, { plain, variants, projected }, where);
              const result = results.variants as EvaluateResult;
              const reference = results.plain as EvaluateResult;
              expect(maxRelativeError(result.states, reference.states), where).toBeLessThan(2e-4);
              const steps = result.perSequence.iterations.map((n, b) =>
                Math.abs(n - (reference.perSequence.iterations[b] ?? -1)),
              );
              expect(Math.max(...steps), where).toBeLessThanOrEqual(1);
            }
          },
        ),
        { seed: 2026 + D, numRuns: D >= 32 ? 2 : 4 },
      );
    });
  }

  for (const D of [3, 17, 64]) {
    it(`Elman, D = ${D}: variants = default kernels = CPU (sequential, Jacobi, quasi-DEER, quasi-ELK)`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            layout: fc.constantFrom<Layout>('flax', 'torch'),
            batch: fc.integer({ min: 2, max: 3 }),
            length: fc.integer({ min: 1, max: 90 }),
            seed: fc.integer({ min: 1, max: 1 << 20 }),
          }),
          async ({ layout, batch, length, seed }) => {
            const elmanProblem = problem(D, layout, batch, length, seed, 'elman');
            const methods = ['sequential', 'quasi-deer', 'quasi-elk'] as const;
            const all = D <= 17 ? [...methods, 'jacobi' as const] : methods;
            for (const method of all) {
              const where = `elman ${layout} D=${D} B=${batch} T=${length} seed=${seed} ${method}`;
              const results = await againstCpu(elmanProblem, method, { plain, variants, projected }, where);
              const result = results.variants as EvaluateResult;
              expect(
                maxRelativeError(result.states, (results.plain as EvaluateResult).states),
                where,
              ).toBeLessThan(2e-4);
            }
          },
        ),
        { seed: 3030 + D, numRuns: 2 },
      );
    });
  }
});

describeWebGpu('GEMM-core kernels: windows, fallbacks and options', (gpu) => {
  it('windowed sessions (small bindings) give the same states as the CPU with both variants', async () => {
    expect(gpu().device).toBeDefined();
    // Small bindings: a sequence's states (T·D·4 = 2380 bytes at D = 17, 2240 at 16) bound three sequences at
    // a time in 8 KiB; its projections (T·G·Q·16 = 8400 / 6720 bytes) one or two at a time in 16 KiB.
    for (const inputProjections of ['recomputed', 'precomputed'] as const) {
      const windowed = await testBackend({
        maxBindingBytes: inputProjections === 'precomputed' ? 16384 : 8192,
        linearizeKernel: 'tiled',
        sequentialKernel: 'row-parallel',
        inputProjections,
      });
      try {
        // D = 16: the vec4 stores of b_t and diag(A_t) at windows whose offsets are not 0 (16 words past an
        // aligned binding for the second window); D = 17: the lane-by-lane stores.
        for (const [D, layout] of [
          [17, 'flax'],
          [17, 'torch'],
          [16, 'flax'],
        ] as const) {
          const windowedProblem = problem(D, layout, 7, 35, 40);
          const { cell, options } = windowedProblem;
          if (D === 16) {
            const session = (await windowed.createSession({ cell, ...options })) as unknown as SessionView;
            const [, second] = session.windows(D);
            expect(second, inputProjections).toBeDefined();
            const offset = second ? (session.windowValues(second, D).offset_offset ?? 0) : 0;
            expect(offset, inputProjections).toBeGreaterThan(0);
            expect(offset % 4, inputProjections).toBe(0);
            (session as unknown as { destroy(): void }).destroy();
          }
          for (const method of ['sequential', 'jacobi', 'quasi-deer', 'quasi-elk'] as const) {
            const where = `D=${D} ${layout} ${method} ${inputProjections}`;
            await againstCpu(windowedProblem, method, { windowed }, where, true);
          }
        }
      } finally {
        windowed.destroy();
      }
    }
  });

  it('the variants specialised for hardware (loops unrolled) agree with the CPU as well', async () => {
    const unrolled = await testBackend({
      unroll: true,
      linearizeKernel: 'tiled',
      sequentialKernel: 'row-parallel',
    });
    try {
      const unrolledProblem = problem(8, 'torch', 3, 77, 50);
      for (const method of ['sequential', 'quasi-deer'] as const) {
        await againstCpu(unrolledProblem, method, { unrolled }, method, true);
      }
    } finally {
      unrolled.destroy();
    }
  });

  it('the state staged alone as vec4s (projections precomputed, or no inputs) gives the CPU states', async () => {
    // D a multiple of 4 with only s_{t−1} staged reads the tile as vec4s; D = 6 and 17, and staged inputs, do not.
    const cases = [
      { kind: 'gru', D: 12, input: 0, staging: 'staged', vector: true },
      { kind: 'gru', D: 8, input: 0, staging: 'staged', vector: true },
      { kind: 'gru', D: 6, input: 0, staging: 'staged', vector: false },
      { kind: 'gru', D: 12, input: 3, staging: 'projected', vector: true },
      { kind: 'elman', D: 16, input: 2, staging: 'projected', vector: true },
      { kind: 'elman', D: 17, input: 2, staging: 'projected', vector: false },
      { kind: 'gru', D: 12, input: 3, staging: 'staged', vector: false },
    ] as const;
    const backends = {
      staged: await testBackend({ linearizeKernel: 'tiled', inputProjections: 'recomputed' }),
      projected: await testBackend({ linearizeKernel: 'tiled', inputProjections: 'precomputed' }),
      plain: await testBackend({ linearizeKernel: 'per-element' }),
    };
    try {
      for (const { kind, D, input, staging, vector } of cases) {
        const backend = backends[staging];
        const isProjected = staging === 'projected';
        const where = `${kind} D=${D} I=${input} ${isProjected ? 'projected' : 'staged'}`;
        const limits = tiledLinearizeLimits(backend.capabilities);
        const plan = gemmTilePlan(
          D,
          isProjected ? 0 : input,
          kind === 'gru' ? 3 : 1,
          limits.storageBytes,
          limits.invocations,
        );
        expect(plan, where).toBeDefined();
        if (!plan) continue;
        // The vec4 tile's rows start on 16 bytes; the scalar tile's stride stays odd.
        expect(plan.rowStride % 2, where).toBe(1);
        if (vector) expect(plan.vectorRowStride, where).toBe(D + 4);
        const make = kind === 'gru' ? gru : elman;
        for (const seed of [3, 4]) {
          const cell = make({ hidden: D, input, seed });
          const batch = 3;
          const length = 75;
          const inputs = randomArray(batch * length * input, seed + 1, -1, 1);
          const initialState = randomArray(batch * D, seed + 2, -0.9, 0.9);
          const options = { inputs, initialState, batch, length };
          const session = await backend.createSession({ cell, ...options });
          const watch = watchDispatches(session);
          try {
            // Every part of the kernel (the profile times them apart) compiles with this tile.
            for (const parts of seed === 3 ? (['all', 'stage', 'accumulate', 'epilogue'] as const) : []) {
              const { cell: shape } = session as unknown as SessionView;
              const code = tiledLinearizeWgsl(shape, kind, 'diagonal', plan, parts, isProjected);
              backend.device.pushErrorScope('validation');
              const module = backend.device.createShaderModule({ code });
              backend.device.createComputePipeline({
                layout: 'auto',
                compute: { module, entryPoint: 'main' },
              });
              expect(await backend.device.popErrorScope(), `${where} ${parts}`).toBeNull();
            }
            for (const method of ['quasi-deer', 'quasi-elk'] as const) {
              const label = `${where} seed=${seed} ${method}`;
              // The CPU's states, and iterations within one of the per-element kernel's (a wrong diag(A_t)
              // or merit would change the iterations without moving the fixed point).
              const results = await againstCpu(
                { cell, options },
                method,
                { backend, plain: backends.plain },
                label,
              );
              const tiled = (results.backend as EvaluateResult).perSequence.iterations;
              const reference = (results.plain as EvaluateResult).perSequence.iterations;
              const apart = tiled.map((n, b) => Math.abs(n - (reference[b] ?? -1)));
              expect(Math.max(...apart), label).toBeLessThanOrEqual(1);
            }
          } finally {
            watch.restore();
            session.destroy();
          }
          // The pipeline the session dispatched reads the tile as vec4s (tag v4) or as scalars (tag u…).
          const prefix = `linearize-diagonal-tiled${isProjected ? '-projected' : ''}-`;
          const seen = [...watch.labels];
          const dispatched = seen.filter((name) => name.startsWith(prefix));
          expect(dispatched.length, `${where}: ${seen.join(', ')}`).toBeGreaterThan(0);
          for (const name of dispatched) {
            expect(name.split('/')[0]?.endsWith('v4'), `${where}: ${name}`).toBe(vector);
          }
        }
      }
    } finally {
      backends.staged.destroy();
      backends.projected.destroy();
      backends.plain.destroy();
    }
  });

  it('other cells fall back to the per-element and per-sequence kernels', async () => {
    const backend = await testBackend({ linearizeKernel: 'tiled', sequentialKernel: 'row-parallel' });
    try {
      for (const cell of [lstm({ hidden: 3, input: 2, seed: 3 }), minGru({ hidden: 4, input: 2, seed: 4 })]) {
        const batch = 2;
        const length = 70;
        const inputs = randomArray(batch * length * 2, 5, -1, 1);
        const initialState = randomArray(batch * cell.stateSize, 6, -0.5, 0.5);
        for (const method of ['sequential', 'quasi-deer'] as const) {
          await againstCpu(
            { cell, options: { inputs, initialState, batch } },
            method,
            { backend },
            `${cell.name} ${method}`,
          );
        }
      }
    } finally {
      backend.destroy();
    }
  });

  it("a caller's device with WebGPU's default limits (8 storage buffers) runs the GRU, falling back where it must", async () => {
    const adapter = await gpu().gpu.requestAdapter();
    expect(adapter).not.toBeNull();
    if (!adapter) return;
    const device = await adapter.requestDevice();
    expect(device.limits.maxStorageBuffersPerShaderStage).toBe(8);
    const backend = await createWebGpuBackend({ device });
    try {
      const limitsProblem = problem(8, 'flax', 3, 70, 77);
      for (const method of ['jacobi', 'quasi-deer', 'quasi-elk', 'sequential'] as const) {
        await againstCpu(limitsProblem, method, { backend }, method);
      }
    } finally {
      backend.destroy();
      device.destroy();
    }
    // Kept reachable until its device is gone (dawn.node aborts when an adapter is collected early).
    expect(adapter.info).toBeDefined();
  });

  it('unknown kernel names are typed errors naming the option', async () => {
    // Options as a caller without types would pass them.
    const options: Record<string, string> = { linearizeKernel: 'gemm' };
    await expect(testBackend(options)).rejects.toThrow(WebGpuInputError);
    await expect(testBackend(options)).rejects.toThrow(/linearizeKernel/);
    await expect(testBackend({ sequentialKernel: 'warp' } as Record<string, string>)).rejects.toThrow(
      /sequentialKernel/,
    );
    for (const linearizeRows of [0, 3, 32, 'four']) {
      const rows = { linearizeRows } as unknown as { linearizeRows: number };
      await expect(testBackend(rows), String(linearizeRows)).rejects.toThrow(WebGpuInputError);
      await expect(testBackend(rows), String(linearizeRows)).rejects.toThrow(/linearizeRows/);
    }
  });

  it('every rows-per-invocation choice runs where it fits and gives the CPU states (D a multiple of 4 or not)', async () => {
    expect(gpu().device).toBeDefined();
    for (const linearizeRows of [1, 2, 4, 8, 16]) {
      for (const inputProjections of ['recomputed', 'precomputed'] as const) {
        const backend = await testBackend({ linearizeKernel: 'tiled', linearizeRows, inputProjections });
        try {
          expect(backend.kernels.linearizeRows).toBe(linearizeRows);
          for (const D of [3, 17, 64]) {
            const rowsProblem = problem(D, 'flax', 2, 70, 50 + D);
            const { cell, options } = rowsProblem;
            // The kernel stages [u_t, s_{t−1}], or s_{t−1} alone with the inputs' projections precomputed.
            const staged = inputProjections === 'precomputed' ? 0 : Math.min(D, 5);
            const limits = tiledLinearizeLimits(backend.capabilities);
            const fits = gemmTilePlan(D, staged, 3, limits.storageBytes, limits.invocations, linearizeRows);
            const auto = gemmTilePlan(D, staged, 3, limits.storageBytes, limits.invocations);
            // The forced R where its workgroup fits this device, else the automatic plan: seen in the
            // pipeline that the session's first linearisation dispatches.
            const plan = fits ?? auto;
            const label = `linearize-diagonal-tiled${staged === 0 ? '-projected' : ''}-${plan?.rowsPerInvocation}x${plan?.workgroupSize}${D % 4 === 0 && staged === 0 ? 'v4' : 'u'}`;
            const probe = await backend.createSession({ cell, ...options });
            const watch = watchDispatches(probe);
            try {
              for (const method of ['quasi-deer', ...(D === 3 ? (['jacobi'] as const) : [])] as const) {
                const where = `R=${linearizeRows} ${inputProjections} D=${D} ${method}`;
                await againstCpu(rowsProblem, method, { backend }, where);
              }
            } finally {
              watch.restore();
              probe.destroy();
            }
            const where = `R=${linearizeRows} ${inputProjections} D=${D}`;
            expect(
              [...watch.labels].some((seen) => seen.startsWith(label)),
              `${where}: ${label} among ${[...watch.labels].join(', ')}`,
            ).toBe(true);
            if (fits) expect(fits.rowsPerInvocation, where).toBe(linearizeRows);
          }
        } finally {
          backend.destroy();
        }
      }
    }
  });

  it('the default sequential kernel is row-parallel on hardware and per-sequence on software adapters', async () => {
    const defaults = await testBackend();
    const chosen = await testBackend({ sequentialKernel: 'row-parallel' });
    try {
      expect(webGpuDefaults.sequentialKernel).toBe('row-parallel');
      expect(defaults.kernels).toEqual({
        fusion: false,
        scanUpdate: 'auto',
        scanVariant: 'auto',
        linearizeKernel: webGpuDefaults.linearizeKernel,
        linearizeRows: 'auto',
        sequentialKernel: defaults.capabilities.software ? 'per-sequence' : 'row-parallel',
        inputProjections: 'auto',
      });
      expect(chosen.kernels.sequentialKernel).toBe('row-parallel');
    } finally {
      defaults.destroy();
      chosen.destroy();
    }
  });
});
