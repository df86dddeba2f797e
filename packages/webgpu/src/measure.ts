/**
 * GPU timing: `timestamp-query` around the work when the device has it, else host time around
 * `onSubmittedWorkDone` (which includes the submit round trip). Medians over repetitions after warm-up.
 *
 * @module
 */

import { BufferUsage, mapModeRead } from './gpu-constants.ts';

/** Options of {@link measure}. */
export interface MeasureOptions {
  /** Untimed runs first (default 2). */
  warmup?: number;
  /** Timed runs (default 10). */
  repetitions?: number;
  /** Use host timing even when timestamp queries exist. */
  hostTiming?: boolean;
}

/** The result of {@link measure}. */
export interface Measurement {
  /** The median of the samples, milliseconds. */
  readonly medianMs: number;
  /** Every timed sample, milliseconds. */
  readonly samplesMs: readonly number[];
  /** How the samples were taken. */
  readonly method: 'timestamp-query' | 'host';
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

/**
 * Times the GPU work `record` encodes: each repetition is one submit of `record(encoder)`. With
 * `timestamp-query`, empty compute passes with timestamps before and after the work give GPU time (in Node,
 * create Dawn with `disable-dawn-features=timestamp_quantization` for sub-65 µs resolution); otherwise the host
 * time from submit to `onSubmittedWorkDone`.
 *
 * @example
 * ```ts
 * const { medianMs } = await measure(device, (encoder) => {
 *   const pass = encoder.beginComputePass();
 *   // … dispatches …
 *   pass.end();
 * });
 * ```
 */
export async function measure(
  device: GPUDevice,
  record: (encoder: GPUCommandEncoder) => void,
  options: MeasureOptions = {},
): Promise<Measurement> {
  const warmup = options.warmup ?? 2;
  const repetitions = Math.max(1, options.repetitions ?? 10);
  const timestamps = !options.hostTiming && device.features.has('timestamp-query');
  for (let run = 0; run < warmup; run++) {
    const encoder = device.createCommandEncoder();
    record(encoder);
    device.queue.submit([encoder.finish()]);
  }
  await device.queue.onSubmittedWorkDone();
  const samples: number[] = [];
  if (timestamps) {
    const querySet = device.createQuerySet({ type: 'timestamp', count: 2 });
    const resolve = device.createBuffer({
      size: 16,
      usage: BufferUsage.queryResolve | BufferUsage.copySource,
    });
    const read = device.createBuffer({ size: 16, usage: BufferUsage.mapRead | BufferUsage.copyDestination });
    try {
      for (let run = 0; run < repetitions; run++) {
        const encoder = device.createCommandEncoder();
        encoder.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: 0 } }).end();
        record(encoder);
        encoder.beginComputePass({ timestampWrites: { querySet, endOfPassWriteIndex: 1 } }).end();
        encoder.resolveQuerySet(querySet, 0, 2, resolve, 0);
        encoder.copyBufferToBuffer(resolve, 0, read, 0, 16);
        device.queue.submit([encoder.finish()]);
        await read.mapAsync(mapModeRead);
        const [start, end] = new BigInt64Array(read.getMappedRange().slice(0));
        read.unmap();
        if (start === undefined || end === undefined || end <= start) {
          samples.length = 0;
          break;
        }
        samples.push(Number(end - start) / 1e6);
      }
    } finally {
      querySet.destroy();
      resolve.destroy();
      read.destroy();
    }
    if (samples.length > 0)
      return { medianMs: median(samples), samplesMs: samples, method: 'timestamp-query' };
  }
  for (let run = 0; run < repetitions; run++) {
    const encoder = device.createCommandEncoder();
    record(encoder);
    const started = performance.now();
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    samples.push(performance.now() - started);
  }
  return { medianMs: median(samples), samplesMs: samples, method: 'host' };
}
