import { scanAffineDiagonal } from '@elk/scan';
import { describeWebGpu } from '@elk/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chooseScanVariant } from '../src/affine-diagonal-scan.ts';
import { deviceCapabilities } from '../src/device-capabilities.ts';
import { GpuContext } from '../src/gpu-context.ts';
import { type WebGpuBackend, WebGpuInputError } from '../src/index.ts';
import { maxRelativeError, randomArray, testBackend } from './helpers.ts';

describeWebGpu('diagonal affine scan', (gpu) => {
  let backend: WebGpuBackend;
  beforeAll(async () => {
    expect(gpu().device).toBeDefined();
    backend = await testBackend();
  });
  afterAll(() => backend.destroy());

  it('matches @elk/scan on random sizes, forward and reverse, with and without x0, in every variant', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          batch: fc.integer({ min: 1, max: 3 }),
          length: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 300 })),
          dim: fc.oneof(fc.integer({ min: 1, max: 7 }), fc.constantFrom(8, 12, 16)),
          variant: fc.constantFrom(undefined, 'auto', 'three-pass', 'single-pass'),
          reverse: fc.boolean(),
          withX0: fc.boolean(),
          chunk: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
          seed: fc.integer({ min: 1, max: 1 << 30 }),
        }),
        async ({ batch, length, dim, reverse, withX0, chunk, variant, seed }) => {
          const size = batch * length * dim;
          const a = randomArray(size, seed, -1.1, 1.1);
          const b = randomArray(size, seed + 1, -1, 1);
          const x0 = withX0 ? randomArray(batch * dim, seed + 2, -1, 1) : undefined;
          const expected = scanAffineDiagonal({ a, b, x0, batch, length, dim, reverse });
          const actual = await backend.scanAffineDiagonal({
            a,
            b,
            x0,
            batch,
            length,
            dim,
            reverse,
            chunk,
            ...(variant ? { variant } : {}),
          });
          expect(actual.length).toBe(size);
          expect(maxRelativeError(actual, expected)).toBeLessThan(1e-4);
        },
      ),
      { seed: 6101, numRuns: 40 },
    );
  });

  it('splits arrays beyond the storage binding limit into windows of whole sequences', async () => {
    const small = await testBackend({ maxBindingBytes: 4096 });
    try {
      const batch = 9;
      const length = 37;
      const dim = 5;
      const a = randomArray(batch * length * dim, 7, -1, 1);
      const b = randomArray(batch * length * dim, 8, -1, 1);
      const x0 = randomArray(batch * dim, 9, -1, 1);
      const expected = scanAffineDiagonal({ a, b, x0, batch, length, dim });
      const actual = await small.scanAffineDiagonal({ a, b, x0, batch, length, dim, chunk: 4 });
      expect(maxRelativeError(actual, expected)).toBeLessThan(1e-4);
      const reverse = scanAffineDiagonal({ a, b, batch, length, dim, reverse: true });
      const fromZero = await small.scanAffineDiagonal({ a, b, batch, length, dim, reverse: true });
      expect(maxRelativeError(fromZero, reverse)).toBeLessThan(1e-4);
    } finally {
      small.destroy();
    }
  });

  it('uses a 2-D dispatch beyond 65535 workgroups (T = 300 000, D = 16, one step per chunk)', async () => {
    const length = 300_000;
    const dim = 16;
    const a = randomArray(length * dim, 21, -1, 1);
    const b = randomArray(length * dim, 22, -1, 1);
    const expected = scanAffineDiagonal({ a, b, batch: 1, length, dim, reverse: true });
    const actual = await backend.scanAffineDiagonal({ a, b, batch: 1, length, dim, reverse: true, chunk: 1 });
    expect(maxRelativeError(actual, expected)).toBeLessThan(1e-4);
  });

  it("'auto' picks the single-pass scan where its vec4 kernel runs on an NVIDIA adapter", () => {
    const { device, adapterInfo } = gpu();
    const capabilities = deviceCapabilities(device, adapterInfo);
    const hardware = new GpuContext(
      device,
      { ...capabilities, software: false, adapter: 'nvidia hopper NVIDIA H200' },
      false,
    );
    const software = new GpuContext(device, { ...capabilities, software: true }, false);
    const other = new GpuContext(
      device,
      { ...capabilities, software: false, adapter: 'apple metal-3' },
      false,
    );
    expect(chooseScanVariant(other, 'auto', 8)).toBe('three-pass');
    expect(chooseScanVariant(other, 'single-pass', 8)).toBe('single-pass');
    expect(chooseScanVariant(hardware, 'auto', 8)).toBe('single-pass');
    expect(chooseScanVariant(hardware, 'auto', 1024)).toBe('single-pass');
    expect(chooseScanVariant(hardware, 'auto', 6)).toBe('three-pass');
    expect(chooseScanVariant(hardware, 'auto', 1028)).toBe('three-pass');
    expect(chooseScanVariant(software, 'auto', 8)).toBe('three-pass');
    expect(chooseScanVariant(software, 'single-pass', 5)).toBe('single-pass');
    expect(chooseScanVariant(hardware, 'three-pass', 8)).toBe('three-pass');
  });

  it('rejects bad input with a typed error naming the argument', async () => {
    const a = new Float32Array(6);
    await expect(
      backend.scanAffineDiagonal({ a, b: new Float32Array(5), batch: 1, length: 3, dim: 2 }),
    ).rejects.toThrow(WebGpuInputError);
    await expect(backend.scanAffineDiagonal({ a, b: a, batch: 0, length: 3, dim: 2 })).rejects.toThrow(
      /batch/,
    );
  });
});
