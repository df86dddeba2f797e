import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '@elk/solvers';
import { describeWebGpu, type TestGpu } from '@elk/testing';
import { createWebGpuBackend, type WebGpuBackend } from '@elk/webgpu';
import { expect, it } from 'vitest';
import type { RunContext } from '../src/cli/run-context.ts';
import type { GpuGridPart, Method } from '../src/defaults.ts';
import { runGpuGrid } from '../src/gpu/gpu-grid.ts';
import { expectFinite, expectOutputs } from './support/expect-outputs.ts';
import { testContext } from './support/test-context.ts';

/** A gpu-grid run context on the test device; `solver` replaces the backend evaluate sees. */
function gpuContext(
  gpu: TestGpu,
  webgpu: WebGpuBackend,
  solver: Backend = webgpu,
): RunContext & { out: string } {
  const { device, adapterInfo, subgroups } = gpu;
  const base = testContext(['gpu-grid']);
  const adapter = `${adapterInfo.vendor} ${adapterInfo.description}`.trim();
  return {
    ...base,
    backend: async () => ({
      kind: 'webgpu',
      solver,
      webgpu,
      adapter,
      fallbackReason: null,
      gpu: {
        device,
        adapter,
        limits: {
          maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
          maxBufferSize: device.limits.maxBufferSize,
          maxComputeWorkgroupsPerDimension: device.limits.maxComputeWorkgroupsPerDimension,
        },
        timestamps: device.features.has('timestamp-query'),
        subgroups,
        software: true,
      },
    }),
  };
}

describeWebGpu('gpu-grid at tiny sizes', (gpu) => {
  it('measures bandwidth and every method against the WebGPU sequential kernel, and checkpoints each case', async () => {
    const webgpu = await createWebGpuBackend({ device: gpu().device });
    const context = gpuContext(gpu(), webgpu);
    const result = await runGpuGrid(context, {
      batch: 2,
      dims: [4],
      lengths: [64, 128],
      methods: ['sequential', 'quasi-deer', 'quasi-elk', 'deer'],
      tolerance: 1e-4,
      maxIterations: 60,
      scanElements: [8_192],
      repeats: 2,
      denseBytesLimit: 2 * 64 * 16 * 4,
      sequentialMaxLength: null,
      parts: ['bandwidth', 'grid'],
    });
    await expectOutputs(context, result, ['bandwidth', 'grid']);
    const grid = result.tables.grid ?? [];
    // DEER fits only at T = 64 (T·B·D²·4 bytes ≤ the limit); it is reported as skipped at T = 128.
    expect(grid).toHaveLength(8);
    expect(grid.filter((row) => row.skipped)).toHaveLength(1);
    const measured = grid.filter((row) => !row.skipped);
    expectFinite(measured.map((row) => row.seconds));
    expectFinite(measured.map((row) => row.maxAbsDiffFromSequential));
    for (const row of measured) {
      expect(row.converged).toBe(true);
      expect(Number(row.maxAbsDiffFromSequential)).toBeLessThan(1e-3);
      // The phases split evaluate's wall clock: each is measured, they add up to at most the total, and the
      // resident ms per iteration is the solve time over evaluate's iterations.
      const phases = [row.uploadSeconds, row.solveSeconds, row.readbackSeconds, row.otherSeconds].map(Number);
      expectFinite(phases);
      for (const phase of phases) expect(phase).toBeGreaterThanOrEqual(0);
      expect(Number(row.solveSeconds)).toBeGreaterThan(0);
      const parts = phases.slice(0, 3).reduce((sum, phase) => sum + phase, 0);
      expect(parts).toBeLessThanOrEqual(Number(row.seconds) * (1 + 1e-9));
      expect(Number(row.dispatchedIterations)).toBeGreaterThanOrEqual(Number(row.iterations));
      if (row.method === 'sequential') expect(row.msPerIteration).toBeNull();
      else {
        expect(Number(row.statusReads)).toBeGreaterThanOrEqual(1);
        expect(Number(row.msPerIteration)).toBeCloseTo(
          (Number(row.solveSeconds) * 1000) / Number(row.iterations),
          9,
        );
      }
    }
    // Every kernel was measured; at 8192 elements host timing is mostly overhead, so a figure over twice the
    // bench's own copy may be screened out — then it is listed as rejected and a note says so, never dropped.
    const bandwidth = result.tables.bandwidth ?? [];
    const rejected = result.tables.bandwidthRejected ?? [];
    const order = [
      'copy (backend)',
      'copy (bench kernel, host-timed)',
      'diagonal scan',
      'diagonal scan (reverse)',
    ];
    expect(
      [...bandwidth, ...rejected]
        .map((row) => String(row.kernel))
        .sort((x, y) => order.indexOf(x) - order.indexOf(y)),
    ).toEqual(order);
    expect(bandwidth.map((row) => row.kernel)).toContain('copy (bench kernel, host-timed)');
    expect(result.notes.some((note) => note.startsWith('rejected, not results'))).toBe(rejected.length > 0);
    expectFinite(bandwidth.map((row) => row.bytesPerSecond));
    const partial = readFileSync(join(context.out, 'gpu-grid', 'partial.jsonl'), 'utf8')
      .trim()
      .split('\n');
    const records = partial.map((line) => JSON.parse(line) as { kind: string; atSeconds: number });
    const kinds = records.map((record) => record.kind);
    expect(kinds.filter((kind) => kind === 'grid')).toHaveLength(8);
    expect(kinds.filter((kind) => kind === 'bandwidth')).toHaveLength(4);
    expect(kinds[0]).toBe('run');
    for (const record of records) expect(record.atSeconds).toBeGreaterThanOrEqual(0);
    // The run's machine and commit are in the printed notes, so even a partial report carries them.
    expect(result.notes.some((note) => note.startsWith('run: ') && note.includes('cores'))).toBe(true);
    webgpu.destroy();
  });

  it('with --rehearse, each iterative method runs once untimed first and its timed run takes its arrays from the pool', async () => {
    const webgpu = await createWebGpuBackend({ device: gpu().device });
    const plain = gpuContext(gpu(), webgpu);
    const sizes = {
      batch: 2,
      dims: [4],
      lengths: [256],
      methods: ['sequential', 'quasi-deer'] as Method[],
      tolerance: 1e-4,
      maxIterations: 60,
      scanElements: [8_192],
      repeats: 2,
      denseBytesLimit: 0,
      sequentialMaxLength: null,
      parts: ['grid'] as GpuGridPart[],
    };
    try {
      const once = (await runGpuGrid(plain, sizes)).tables.grid ?? [];
      const rehearsing = { ...plain, options: { ...plain.options, rehearse: true } };
      const twice = (await runGpuGrid(rehearsing, sizes)).tables.grid ?? [];
      const row = (rows: typeof once, method: Method) =>
        rows.find((candidate) => candidate.method === method);
      expect(row(once, 'quasi-deer')?.rehearsed).toBe(false);
      expect(row(twice, 'quasi-deer')?.rehearsed).toBe(true);
      expect(row(twice, 'sequential')?.rehearsed).toBe(false);
      // Same inputs, same answer and iterations; the timed run creates (almost) nothing new.
      expect(row(twice, 'quasi-deer')?.iterations).toBe(row(once, 'quasi-deer')?.iterations);
      expect(Number(row(twice, 'quasi-deer')?.maxAbsDiffFromSequential)).toBeLessThan(1e-3);
      const fresh = Number(row(once, 'quasi-deer')?.peakAboveHeldBytes);
      const pooled = Number(row(twice, 'quasi-deer')?.peakAboveHeldBytes);
      expect(fresh).toBeGreaterThan(0);
      expect(pooled).toBeLessThan(fresh);
      // Three timed runs: the row is the median's, and lists all three solve times.
      const repeating = { ...plain, options: { ...plain.options, rehearse: true, repeat: 3 } };
      const repeated = await runGpuGrid(repeating, sizes);
      expect(repeated.notes.some((note) => note.startsWith('repeated (--repeat): 1 case ('))).toBe(true);
      const thrice = repeated.tables.grid ?? [];
      const solves = String(row(thrice, 'quasi-deer')?.solveRepeats)
        .split(' ')
        .map(Number)
        .sort((a, b) => a - b);
      expect(solves).toHaveLength(3);
      expect(Number(row(thrice, 'quasi-deer')?.solveSeconds).toPrecision(4)).toBe(
        (solves[1] as number).toPrecision(4),
      );
      expect(row(thrice, 'sequential')?.solveRepeats).toBeUndefined();
      expect(row(thrice, 'quasi-deer')?.iterations).toBe(row(once, 'quasi-deer')?.iterations);
    } finally {
      webgpu.destroy();
    }
  });

  it('records a case that throws as failed and goes on with the grid', async () => {
    const webgpu = await createWebGpuBackend({ device: gpu().device });
    // A backend whose dense linearisation fails, as a device out of memory would.
    const failing: Backend = {
      name: webgpu.name,
      checkEvery: webgpu.checkEvery,
      precision: (inputs) => webgpu.precision(inputs),
      async createSession(problem) {
        const session = await webgpu.createSession(problem);
        const linearize = session.linearize.bind(session);
        session.linearize = (mode) => {
          if (mode === 'dense') throw new Error('dense linearisation refused');
          linearize(mode);
        };
        return session;
      },
      destroy: () => webgpu.destroy(),
    };
    const context = gpuContext(gpu(), webgpu, failing);
    const result = await runGpuGrid(context, {
      batch: 2,
      dims: [3],
      lengths: [32, 48],
      methods: ['deer', 'quasi-deer'],
      tolerance: 1e-4,
      maxIterations: 60,
      scanElements: [],
      repeats: 1,
      denseBytesLimit: 2 ** 20,
      sequentialMaxLength: null,
      parts: ['grid'],
    });
    const grid = result.tables.grid ?? [];
    expect(grid.map((row) => [row.T, row.method, row.failed ?? null])).toEqual([
      [32, 'deer', 'dense linearisation refused'],
      [32, 'quasi-deer', null],
      [48, 'deer', 'dense linearisation refused'],
      [48, 'quasi-deer', null],
    ]);
    for (const row of grid.filter((row) => row.method === 'quasi-deer')) expect(row.converged).toBe(true);
    expect(result.tables.bandwidth).toEqual([]);
    expect(result.summary.rows[0]?.[3]).toBe('failed: dense linearisation refused');
    webgpu.destroy();
  });
});
