/**
 * How a chunked scan splits the time axis: T is cut into C chunks of length L; each invocation runs the
 * recurrence sequentially over one chunk of one channel (few rounding steps, no inter-workgroup waiting).
 *
 * @module
 */

import { webGpuDefaults } from './defaults.ts';

/** A split of T steps into `chunks` chunks of `chunk` steps (the last may be shorter). */
export interface ChunkPlan {
  readonly chunk: number;
  readonly chunks: number;
}

/**
 * Chooses L so that batch × C × channels ≈ `targetInvocations`, with L ≥ `minimumChunkLength`
 * (defaults in {@link webGpuDefaults}); `chunk` overrides the choice (clamped to [1, T]).
 *
 * @example
 * ```ts
 * chunkPlan(1_000_000, 16 * 8); // { chunk: 977, chunks: 1024 }
 * ```
 */
export function chunkPlan(length: number, parallelChannels: number, chunk?: number): ChunkPlan {
  let size: number;
  if (chunk !== undefined) {
    size = Math.min(Math.max(1, Math.floor(chunk)), length);
  } else {
    const wanted = Math.max(1, Math.ceil(webGpuDefaults.targetInvocations / Math.max(1, parallelChannels)));
    const most = Math.max(1, Math.ceil(length / webGpuDefaults.minimumChunkLength));
    size = Math.ceil(length / Math.min(wanted, most));
  }
  return { chunk: size, chunks: Math.ceil(length / size) };
}
