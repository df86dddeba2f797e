import { describeWebGpu } from '@elk/testing';
import { createWebGpuBackend } from '@elk/webgpu';
import { describe, expect, it } from 'vitest';
import type { RunContext } from '../src/cli/run-context.ts';
import { UsageError } from '../src/cli/usage-error.ts';
import { gpuGridKernels, runGpuGrid } from '../src/gpu/gpu-grid.ts';
import { testContext } from './support/test-context.ts';

describe('gpu-grid kernel variants from the environment', () => {
  it('defaults when unset, the named variants when set, a usage error naming the variable otherwise', () => {
    expect(gpuGridKernels({})).toEqual({});
    expect(gpuGridKernels({ ELK_LINEARIZE_KERNEL: 'tiled', ELK_SEQUENTIAL_KERNEL: 'row-parallel' })).toEqual({
      linearizeKernel: 'tiled',
      sequentialKernel: 'row-parallel',
    });
    expect(() => gpuGridKernels({ ELK_LINEARIZE_KERNEL: 'gemm' })).toThrow(UsageError);
    expect(() => gpuGridKernels({ ELK_SEQUENTIAL_KERNEL: 'warp' })).toThrow(/ELK_SEQUENTIAL_KERNEL/);
    expect(gpuGridKernels({ ELK_LINEARIZE_ROWS: '8' })).toEqual({ linearizeRows: 8 });
    expect(() => gpuGridKernels({ ELK_LINEARIZE_ROWS: '3' })).toThrow(/ELK_LINEARIZE_ROWS/);
  });

  it('reads the fused scan-update choice and how evaluate reads the status', () => {
    expect(gpuGridKernels({ ELK_SCAN_UPDATE: 'false', ELK_CHECK_EVERY: '8', ELK_READ_AHEAD: '0' })).toEqual({
      scanUpdate: false,
      checkEvery: 8,
      readAhead: 0,
    });
    expect(gpuGridKernels({ ELK_SCAN_UPDATE: 'true' })).toEqual({ scanUpdate: true });
    expect(gpuGridKernels({ ELK_SCAN_UPDATE: 'auto' })).toEqual({ scanUpdate: 'auto' });
    expect(() => gpuGridKernels({ ELK_SCAN_UPDATE: 'yes' })).toThrow(/ELK_SCAN_UPDATE/);
    expect(gpuGridKernels({ ELK_FUSION: 'true' })).toEqual({ fusion: true });
    expect(gpuGridKernels({ ELK_FUSION: 'false' })).toEqual({ fusion: false });
    expect(gpuGridKernels({ ELK_FUSION: 'tiled' })).toEqual({ fusion: 'tiled' });
    expect(gpuGridKernels({ ELK_FUSION: 'chunked' })).toEqual({ fusion: 'chunked' });
    expect(gpuGridKernels({ ELK_FUSION: 'auto' })).toEqual({ fusion: 'auto' });
    expect(() => gpuGridKernels({ ELK_FUSION: 'on' })).toThrow(/ELK_FUSION/);
    expect(gpuGridKernels({ ELK_SCAN_VARIANT: 'single-pass' })).toEqual({ scanVariant: 'single-pass' });
    expect(() => gpuGridKernels({ ELK_SCAN_VARIANT: 'two-pass' })).toThrow(/ELK_SCAN_VARIANT/);
    expect(gpuGridKernels({ ELK_SUBMIT_EVERY: '2' })).toEqual({ submitEvery: 2 });
    expect(() => gpuGridKernels({ ELK_SUBMIT_EVERY: '0' })).toThrow(/ELK_SUBMIT_EVERY/);
    expect(() => gpuGridKernels({ ELK_CHECK_EVERY: '0' })).toThrow(
      /ELK_CHECK_EVERY: expected an integer ≥ 1/,
    );
    expect(() => gpuGridKernels({ ELK_READ_AHEAD: '-1' })).toThrow(/ELK_READ_AHEAD/);
    expect(gpuGridKernels({ ELK_PREDICT_STOP: 'false' })).toEqual({ predictStop: false });
    expect(gpuGridKernels({ ELK_PREDICT_STOP: 'true' })).toEqual({ predictStop: true });
    expect(() => gpuGridKernels({ ELK_PREDICT_STOP: '0' })).toThrow(/ELK_PREDICT_STOP/);
  });
});

describeWebGpu('gpu-grid with the kernel variants', (gpu) => {
  it('runs the tiled linearize and row-parallel sequential kernels and records them on every row', async () => {
    const { device } = gpu();
    const webgpu = await createWebGpuBackend({ device });
    const base = testContext(['gpu-grid']);
    const context: RunContext = {
      ...base,
      backend: async () => ({
        kind: 'webgpu',
        solver: webgpu,
        webgpu,
        adapter: 'test',
        fallbackReason: null,
        gpu: {
          device,
          adapter: 'test',
          limits: {
            maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
            maxBufferSize: device.limits.maxBufferSize,
            maxComputeWorkgroupsPerDimension: device.limits.maxComputeWorkgroupsPerDimension,
          },
          timestamps: false,
          subgroups: false,
          software: true,
        },
      }),
    };
    const kernels = { linearizeKernel: 'tiled', sequentialKernel: 'row-parallel' } as const;
    const result = await runGpuGrid(
      context,
      {
        batch: 2,
        dims: [5],
        lengths: [70],
        methods: ['sequential', 'quasi-deer'],
        tolerance: 1e-4,
        maxIterations: 60,
        scanElements: [],
        repeats: 1,
        denseBytesLimit: 0,
        sequentialMaxLength: null,
        parts: ['grid'],
      },
      kernels,
    );
    const grid = result.tables.grid ?? [];
    expect(grid).toHaveLength(2);
    for (const row of grid) {
      expect(row.linearizeKernel).toBe('tiled');
      expect(row.sequentialKernel).toBe('row-parallel');
      expect(row.converged).toBe(true);
    }
    expect(Number(grid[1]?.maxAbsDiffFromSequential)).toBeLessThan(1e-3);
    // Without variants the rows record what the bench's backend runs: this adapter's defaults.
    const plain = await runGpuGrid(
      context,
      {
        batch: 2,
        dims: [3],
        lengths: [40],
        methods: ['sequential'],
        tolerance: 1e-4,
        maxIterations: 60,
        scanElements: [],
        repeats: 1,
        denseBytesLimit: 0,
        sequentialMaxLength: null,
        parts: ['grid'],
      },
      {},
    );
    for (const row of plain.tables.grid ?? []) {
      expect(row.linearizeKernel).toBe(webgpu.kernels.linearizeKernel);
      expect(row.sequentialKernel).toBe(webgpu.kernels.sequentialKernel);
    }
    expect(plain.tables.grid).toHaveLength(1);
    webgpu.destroy();
  });
});
