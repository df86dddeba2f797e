import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeWebGpu } from '@elk/testing';
import { createWebGpuBackend } from '@elk/webgpu';
import { expect, it } from 'vitest';
import type { RunContext } from '../src/cli/run-context.ts';
import { runGpuGrid } from '../src/gpu/gpu-grid.ts';
import { expectFinite, expectOutputs } from './support/expect-outputs.ts';
import { testContext } from './support/test-context.ts';

describeWebGpu('gpu-grid at tiny sizes', (gpu) => {
  it('measures bandwidth and every method against the WebGPU sequential kernel, and checkpoints each case', async () => {
    const { device, adapterInfo, subgroups } = gpu();
    const webgpu = await createWebGpuBackend({ device });
    const base = testContext(['gpu-grid']);
    const adapter = `${adapterInfo.vendor} ${adapterInfo.description}`.trim();
    const context: RunContext & { out: string } = {
      ...base,
      backend: async () => ({
        kind: 'webgpu',
        solver: webgpu,
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
    const bandwidth = result.tables.bandwidth ?? [];
    expect(bandwidth.map((row) => row.kernel)).toEqual([
      'copy (backend)',
      'copy (bench kernel, host-timed)',
      'diagonal scan',
      'diagonal scan (reverse)',
    ]);
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
});
