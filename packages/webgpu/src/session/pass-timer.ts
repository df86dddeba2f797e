/**
 * GPU time per compute pass of a session, from `timestamp-query` (a diagnostic for profiling: which kernel an
 * iteration's time goes to, measured inside a real solve rather than by repeating one kernel alone).
 *
 * @module
 */

import { BufferUsage, mapModeRead } from '../gpu-constants.ts';

/** The most passes one timer records: two timestamps each, and a query set holds at most 4096 (WebGPU). */
export const mostTimedPasses = 2048;

/** One timed pass: the kernel (the pipeline's label, or the primitive's name) and its GPU milliseconds. */
export interface PassTime {
  readonly label: string;
  readonly milliseconds: number;
}

/**
 * Timestamps at the beginning and end of up to `capacity` passes. Passes past the capacity run untimed;
 * {@link PassTimer.resolve} copies the recorded ones out and starts over.
 */
export class PassTimer {
  readonly #device: GPUDevice;
  readonly #querySet: GPUQuerySet;
  readonly #resolve: GPUBuffer;
  readonly capacity: number;
  #labels: string[] = [];

  constructor(device: GPUDevice, capacity: number) {
    this.#device = device;
    this.capacity = capacity;
    this.#querySet = device.createQuerySet({ type: 'timestamp', count: 2 * capacity });
    this.#resolve = device.createBuffer({
      size: 16 * capacity,
      usage: BufferUsage.queryResolve | BufferUsage.copySource,
    });
  }

  /** The descriptor of the next pass, with timestamp writes while there is room for them. */
  passDescriptor(label: string): GPUComputePassDescriptor {
    const index = this.#labels.length;
    if (index >= this.capacity) return {};
    this.#labels.push(label);
    return {
      timestampWrites: {
        querySet: this.#querySet,
        beginningOfPassWriteIndex: 2 * index,
        endOfPassWriteIndex: 2 * index + 1,
      },
    };
  }

  /**
   * Records into `encoder` the copy of the passes recorded so far and starts over; the returned function
   * reads their times once `encoder` has been submitted.
   */
  resolve(encoder: GPUCommandEncoder): () => Promise<PassTime[]> {
    const labels = this.#labels;
    this.#labels = [];
    if (labels.length === 0) return async () => [];
    const bytes = 16 * labels.length;
    const staging = this.#device.createBuffer({
      size: bytes,
      usage: BufferUsage.mapRead | BufferUsage.copyDestination,
    });
    encoder.resolveQuerySet(this.#querySet, 0, 2 * labels.length, this.#resolve, 0);
    encoder.copyBufferToBuffer(this.#resolve, 0, staging, 0, bytes);
    return async () => {
      try {
        await staging.mapAsync(mapModeRead, 0, bytes);
        const ticks = new BigInt64Array(staging.getMappedRange(0, bytes).slice(0));
        staging.unmap();
        return labels.map((label, index) => {
          const begin = ticks[2 * index] ?? 0n;
          const end = ticks[2 * index + 1] ?? 0n;
          return { label, milliseconds: end > begin ? Number(end - begin) / 1e6 : 0 };
        });
      } finally {
        staging.destroy();
      }
    };
  }

  destroy(): void {
    this.#querySet.destroy();
    this.#resolve.destroy();
  }
}

/**
 * Sums pass times by label, in the order labels first appear: total milliseconds and the number of passes.
 *
 * @example
 * ```ts
 * summarizePassTimes([{ label: 'a', milliseconds: 1 }, { label: 'a', milliseconds: 2 }]); // [{ label: 'a', milliseconds: 3, passes: 2 }]
 * ```
 */
export function summarizePassTimes(
  times: readonly PassTime[],
): { label: string; milliseconds: number; passes: number }[] {
  const totals = new Map<string, { label: string; milliseconds: number; passes: number }>();
  for (const { label, milliseconds } of times) {
    const entry = totals.get(label) ?? { label, milliseconds: 0, passes: 0 };
    entry.milliseconds += milliseconds;
    entry.passes += 1;
    totals.set(label, entry);
  }
  return [...totals.values()];
}
