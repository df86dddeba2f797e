/**
 * The diagonal scan's bandwidth on resident buffers: bytes that must move (read a and b, write x: 12 bytes
 * per element) over the median GPU time, to compare with {@link copyBandwidthOnGpu} in the same run — for the
 * three-pass scan and the single-pass (decoupled look-back) scan on the same data.
 *
 * @module
 */

import {
  acquireScanScratch,
  type DiagonalScanVariant,
  diagonalScanScratchBytes,
  encodeDiagonalScan,
  releaseScanScratch,
} from './affine-diagonal-scan.ts';
import { storageUsage } from './gpu-constants.ts';
import type { GpuContext } from './gpu-context.ts';
import { checkPositiveInteger } from './input-checks.ts';
import { commonWgsl } from './kernels/wgsl-common.ts';
import { type Measurement, type MeasureOptions, measure } from './measure.ts';
import { uniformLayout } from './uniform-layout.ts';

const fillParams = uniformLayout([
  ['count', 'u32'],
  ['seed', 'u32'],
  ['low', 'f32'],
  ['high', 'f32'],
  ['offset', 'u32'],
] as const);

function fillWgsl(): string {
  return /* wgsl */ `${fillParams.wgsl}
${commonWgsl}
@group(0) @binding(1) var<storage, read_write> values: array<f32>;

fn hash(value: u32) -> u32 {
  var x = value;
  x ^= x >> 16u; x *= 0x7feb352du; x ^= x >> 15u; x *= 0x846ca68bu; x ^= x >> 16u;
  return x;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let i = linear_workgroup(workgroup, workgroups) * 256u + local;
  if (i >= params.count) { return; }
  let unit = f32(hash(i ^ hash(params.seed + params.offset)) >> 8u) / 16777216.0;
  values[i] = params.low + (params.high - params.low) * unit;
}
`;
}

/** Fills an f32 buffer with pseudo-random values in [low, high) on the GPU, one binding window at a time. */
export function fillRandom(
  context: GpuContext,
  buffer: GPUBuffer,
  count: number,
  seed: number,
  low: number,
  high: number,
) {
  const pipeline = context.pipeline('fill/random', fillWgsl);
  const perWindow = Math.floor((context.maxBindingBytes - 256) / 4 / 256) * 256;
  const encoder = context.device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  for (let start = 0; start < count; start += perWindow) {
    const n = Math.min(perWindow, count - start);
    context.dispatch(
      pass,
      pipeline,
      fillParams.pack({ count: n, seed, low, high, offset: start }),
      [{ buffer, offset: start * 4, size: n * 4 }],
      Math.ceil(n / 256),
    );
  }
  pass.end();
  context.device.queue.submit([encoder.finish()]);
}

/** Options of {@link diagonalScanBandwidthOnGpu}. */
export interface ScanBandwidthOptions extends MeasureOptions {
  batch: number;
  length: number;
  dim: number;
  reverse?: boolean;
  /** Chunk length L (default: chosen from the sizes; the single-pass scan takes it as a wish). */
  chunk?: number;
  /** The variants timed, in this order (default: both, `'three-pass'` first). */
  variants?: readonly DiagonalScanVariant[];
}

/** One variant's figure: 12 bytes per element (read a, b; write x) over the median time. */
export interface ScanVariantBandwidth {
  readonly variant: DiagonalScanVariant;
  readonly elements: number;
  readonly bytes: number;
  readonly measurement: Measurement;
  readonly bytesPerSecond: number;
}

/**
 * The scan's figures: the fields of the three-pass scan (of the first variant timed when it is not among
 * them), and every variant's in `variants`.
 */
export interface ScanBandwidth extends ScanVariantBandwidth {
  readonly variants: readonly ScanVariantBandwidth[];
}

const allVariants: readonly DiagonalScanVariant[] = ['three-pass', 'single-pass'];

/** Times the chunked diagonal scan (each variant asked for) on random resident data of the given shape. */
export async function diagonalScanBandwidthOnGpu(
  context: GpuContext,
  options: ScanBandwidthOptions,
): Promise<ScanBandwidth> {
  const batch = checkPositiveInteger('batch', options.batch);
  const length = checkPositiveInteger('length', options.length);
  const dim = checkPositiveInteger('dim', options.dim);
  const variants = options.variants?.length ? options.variants : allVariants;
  const elements = batch * length * dim;
  const shape = { batch, length, dim, reverse: options.reverse ?? false, chunk: options.chunk };
  const scratchBytes = Math.max(
    ...variants.map((variant) => diagonalScanScratchBytes(context, { ...shape, variant })),
  );
  const scratch = acquireScanScratch(context, scratchBytes);
  const a = context.pool.acquire(elements * 4, storageUsage, 'a');
  const b = context.pool.acquire(elements * 4, storageUsage, 'b');
  const x = context.pool.acquire(elements * 4, storageUsage, 'x');
  try {
    fillRandom(context, a, elements, 1, -0.99, 0.99);
    fillRandom(context, b, elements, 2, -1, 1);
    const bytes = elements * 12;
    const rows: ScanVariantBandwidth[] = [];
    for (const variant of variants) {
      const measurement = await measure(
        context.device,
        (encoder) => {
          const pass = encoder.beginComputePass();
          encodeDiagonalScan(context, pass, { a, b, x }, { ...shape, variant }, scratch);
          pass.end();
        },
        options,
      );
      rows.push({
        variant,
        elements,
        bytes,
        measurement,
        bytesPerSecond: bytes / (measurement.medianMs / 1000),
      });
    }
    const main = rows.find((row) => row.variant === 'three-pass') ?? (rows[0] as ScanVariantBandwidth);
    return { ...main, variants: rows };
  } finally {
    releaseScanScratch(context, scratch);
    for (const buffer of [a, b, x]) context.pool.release(buffer);
  }
}
