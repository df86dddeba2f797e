import { describeWebGpu } from '@elk/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkPlan } from '../src/chunk-plan.ts';
import { deviceCapabilities } from '../src/device-capabilities.ts';
import { dispatchGrid } from '../src/dispatch-grid.ts';
import { GpuContext } from '../src/gpu-context.ts';
import {
  BufferPool,
  cachedPipelineCount,
  measure,
  type WebGpuBackend,
  WebGpuSizeError,
  warmUpGpu,
} from '../src/index.ts';
import { readBytes, readRegions, uploadArray } from '../src/transfer.ts';
import { uniformLayout } from '../src/uniform-layout.ts';
import { steadyDispatchTime } from '../src/warm-up.ts';
import { testBackend } from './helpers.ts';

describe('dispatch grids, chunk plans and uniform layouts', () => {
  it('dispatchGrid covers every workgroup with at most 65535 per dimension', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65535 * 200 }), (count) => {
        const [x, y] = dispatchGrid(count, 65535);
        expect(x).toBeLessThanOrEqual(65535);
        expect(y).toBeLessThanOrEqual(65535);
        expect(x * y).toBeGreaterThanOrEqual(count);
        expect(x * (y - 1)).toBeLessThan(count);
      }),
      { seed: 6109, numRuns: 500 },
    );
    expect(() => dispatchGrid(65535 * 65535 + 1, 65535)).toThrow(WebGpuSizeError);
  });

  it('chunkPlan splits T into chunks that cover it exactly', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2_000_000 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.option(fc.integer({ min: 1, max: 5000 }), { nil: undefined }),
        (length, channels, chunk) => {
          const plan = chunkPlan(length, channels, chunk);
          expect(plan.chunk).toBeGreaterThanOrEqual(1);
          expect(plan.chunks * plan.chunk).toBeGreaterThanOrEqual(length);
          expect((plan.chunks - 1) * plan.chunk).toBeLessThan(length);
        },
      ),
      { seed: 6110, numRuns: 500 },
    );
  });

  it('uniformLayout packs fields in declaration order, padded to 16 bytes', () => {
    const layout = uniformLayout([
      ['count', 'u32'],
      ['scale', 'f32'],
      ['other', 'u32'],
    ] as const);
    const bytes = layout.pack({ count: 7, scale: 0.5 });
    expect(bytes.byteLength).toBe(16);
    expect(new Uint32Array(bytes)[0]).toBe(7);
    expect(new Float32Array(bytes)[1]).toBe(0.5);
    expect(new Uint32Array(bytes)[2]).toBe(0);
    expect(layout.wgsl).toMatch(/count: u32,\s+scale: f32,\s+other: u32,/);
  });
});

describeWebGpu('buffer pool, pipeline cache and timing', (gpu) => {
  let backend: WebGpuBackend;
  beforeAll(async () => {
    expect(gpu().device).toBeDefined();
    backend = await testBackend();
  });
  afterAll(() => backend.destroy());

  it('reuses released buffers, tracks current and peak bytes, and frees everything on destroy', () => {
    const pool = new BufferPool(backend.device);
    const usage = 0x80 | 0x08;
    const first = pool.acquire(1000, usage);
    const second = pool.acquire(3000, usage);
    expect(pool.allocatedBytes).toBe(1024 + 3072);
    pool.release(first);
    expect(pool.acquire(900, usage)).toBe(first);
    pool.release(first);
    pool.release(second);
    expect(pool.peakBytes).toBe(4096);
    pool.trim();
    expect(pool.allocatedBytes).toBe(0);
    expect(pool.peakBytes).toBe(4096);
    pool.resetPeak();
    expect(pool.peakBytes).toBe(0);
    pool.acquire(256, usage);
    pool.destroy();
    expect(pool.allocatedBytes).toBe(0);
    expect(() => pool.acquire(4, usage)).toThrow(/destroyed/);
  });

  it('parks a set of buffers for one signature until a request of its usage misses, trim or another park', () => {
    const pool = new BufferPool(backend.device);
    const storage = 0x80 | 0x08;
    const uniform = 0x40 | 0x08;
    let released = 0;
    const kept: GPUBuffer[] = [pool.acquire(1024, storage), pool.acquire(2048, storage)];
    const park = () =>
      pool.park(
        'shape-a',
        {
          release: () => {
            released++;
            for (const buffer of kept) pool.release(buffer);
          },
        },
        storage,
      );
    park();
    expect(pool.takeParked('shape-b')).toBeUndefined();
    const taken = pool.takeParked('shape-a');
    expect(taken).toBeDefined();
    expect(pool.takeParked('shape-a')).toBeUndefined();
    expect(released).toBe(0);
    park();
    // A miss of another usage allocates and leaves the set parked.
    pool.acquire(1024, uniform);
    expect(released).toBe(0);
    expect(pool.takeParked('shape-a')).toBeDefined();
    park();
    // A miss of its usage frees the set and is served from it.
    expect(pool.acquire(2048, storage)).toBe(kept[1]);
    expect(released).toBe(1);
    expect(pool.takeParked('shape-a')).toBeUndefined();
    pool.release(kept[1] as GPUBuffer);
    park();
    // Another park releases the first set; trim releases and destroys what is parked.
    pool.park('shape-b', { release: () => undefined }, storage);
    expect(released).toBe(2);
    park();
    const before = pool.allocatedBytes;
    pool.trim();
    expect(released).toBe(3);
    expect(before - pool.allocatedBytes).toBe(1024 + 2048);
    pool.destroy();
  });

  it('compiles each kernel once per device', async () => {
    const options = {
      a: new Float32Array(12).fill(0.5),
      b: new Float32Array(12).fill(1),
      batch: 2,
      length: 3,
      dim: 2,
    };
    await backend.scanAffineDiagonal(options);
    const count = cachedPipelineCount(backend.device);
    await backend.scanAffineDiagonal({ ...options, reverse: true });
    expect(cachedPipelineCount(backend.device)).toBe(count);
  });

  it('measure returns one sample per repetition; the copy and scan figures count the bytes they move', async () => {
    const result = await measure(backend.device, () => undefined, {
      warmup: 1,
      repetitions: 3,
      hostTiming: true,
    });
    expect(result.samplesMs).toHaveLength(3);
    expect(result.method).toBe('host');
    const copy = await backend.copyBandwidth({ bytes: 1 << 20, repetitions: 2 });
    expect(copy.bytes).toBe(1 << 20);
    expect(copy.measurement.samplesMs).toHaveLength(2);
    const scan = await backend.diagonalScanBandwidth({ batch: 2, length: 1000, dim: 4, repetitions: 2 });
    expect(scan.elements).toBe(8000);
    expect(scan.bytes).toBe(96_000);
    expect(backend.peakBytes).toBeGreaterThanOrEqual(2 * (1 << 20));
  });

  it('copies at most one binding, even when the pool rounds the buffers past the limit', async () => {
    // A limit just above 1 MiB that is a multiple of 16 but not of the pool's 256-byte granularity.
    const limited = await testBackend({ maxBindingBytes: (1 << 20) + 48 });
    try {
      const copy = await limited.copyBandwidth({ bytes: 1 << 21, repetitions: 1 });
      expect(copy.bytes).toBe((1 << 20) + 48);
      expect(Number.isFinite(copy.bytesPerSecond)).toBe(true);
    } finally {
      limited.destroy();
    }
  });
});

describeWebGpu('reading several regions with one map', (gpu) => {
  it('readRegions returns each region exactly as readBytes does (odd lengths, offsets, several buffers)', async () => {
    const { device } = gpu();
    const context = new GpuContext(device, deviceCapabilities(device), false);
    const words = Uint32Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 0);
    const buffers = [uploadArray(context, words, 'a'), uploadArray(context, words.slice(1000), 'b')];
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              which: fc.integer({ min: 0, max: 1 }),
              word: fc.integer({ min: 0, max: 3000 }),
              byteLength: fc.integer({ min: 1, max: 400 }),
            }),
            { minLength: 1, maxLength: 4 },
          ),
          async (regions) => {
            const asked = regions.map(({ which, word, byteLength }) => ({
              buffer: buffers[which] as GPUBuffer,
              byteOffset: word * 4,
              byteLength,
            }));
            const together = await readRegions(context, asked);
            const apart = await Promise.all(
              asked.map((region) => readBytes(context, region.buffer, region.byteLength, region.byteOffset)),
            );
            expect(together.map((bytes) => [...new Uint8Array(bytes)])).toEqual(
              apart.map((bytes) => [...new Uint8Array(bytes)]),
            );
            regions.forEach(({ which, word, byteLength }, index) => {
              const source = new Uint8Array(
                (which === 0 ? words : words.slice(1000)).buffer,
                word * 4,
                byteLength,
              );
              expect([...new Uint8Array(together[index] as ArrayBuffer)]).toEqual([...source]);
            });
          },
        ),
        { seed: 2811, numRuns: 25 },
      );
    } finally {
      for (const buffer of buffers) context.pool.release(buffer);
      context.pool.destroy();
    }
  });
});

describe('steadyDispatchTime', () => {
  const completions = (gaps: readonly number[]) => {
    const times = [0];
    for (const gap of gaps) times.push((times.at(-1) ?? 0) + gap);
    return times;
  };
  it('is steady once two windows of eight dispatches take as long as the fastest', () => {
    expect(steadyDispatchTime(completions(Array(16).fill(2)))).toEqual({
      steady: true,
      lastMs: 2,
      fastestMs: 2,
    });
    // A rising clock (dispatches getting faster), then settled for two windows.
    const settled = steadyDispatchTime(completions([...Array(8).fill(4), ...Array(16).fill(2)]));
    expect(settled).toMatchObject({ steady: true, lastMs: 2, fastestMs: 2 });
  });
  it('is not steady while the dispatches still get faster, after a slower window, or with too few', () => {
    const rising = Array.from({ length: 24 }, (_, k) => 4 - 0.1 * k);
    expect(steadyDispatchTime(completions(rising)).steady).toBe(false);
    expect(steadyDispatchTime(completions([...Array(16).fill(2), ...Array(8).fill(3)])).steady).toBe(false);
    expect(steadyDispatchTime(completions(Array(15).fill(2))).steady).toBe(false);
    expect(steadyDispatchTime([])).toEqual({ steady: false, lastMs: 0, fastestMs: 0 });
  });
  it('ignores completions the host sees in pairs (a gap near 0 is not a fast dispatch)', () => {
    const paired = Array.from({ length: 24 }, (_, k) => (k % 2 === 0 ? 0.01 : 3.99));
    expect(steadyDispatchTime(completions(paired))).toMatchObject({ steady: true });
    expect(steadyDispatchTime(completions(paired)).fastestMs).toBeCloseTo(2, 5);
  });
});

describeWebGpu('raising the GPU clock', (gpu) => {
  it('keeps the device busy for at least the time asked, at most the longest allowed, and for none at zero', async () => {
    const { device } = gpu();
    expect((await warmUpGpu(device, 0)).seconds).toBe(0);
    const warm = await warmUpGpu(device, 40);
    expect(warm.seconds).toBeGreaterThanOrEqual(0.04);
    expect(warm.seconds).toBeLessThan(0.04 + 0.5);
    // Past the minimum it goes on until the dispatch time is steady, never past the most it may take.
    const longer = await warmUpGpu(device, 20, { mostMilliseconds: 400 });
    expect(longer.seconds).toBeGreaterThanOrEqual(0.02);
    expect(longer.seconds).toBeLessThan(0.4 + 0.5);
    expect(longer.fastestMs).toBeGreaterThan(0);
    if (!longer.steady) expect(longer.seconds).toBeGreaterThanOrEqual(0.4);
  });
});
