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
    const kinds = partial.map((line) => (JSON.parse(line) as { kind: string }).kind);
    expect(kinds.filter((kind) => kind === 'grid')).toHaveLength(8);
    expect(kinds[0]).toBe('run');
    webgpu.destroy();
  });
});
