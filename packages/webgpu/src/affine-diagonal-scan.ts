/**
 * Encoding the chunked diagonal affine scan on resident buffers (see kernels/affine-diagonal-scan.ts).
 *
 * @module
 */

import { chunkPlan } from './chunk-plan.ts';
import { webGpuDefaults } from './defaults.ts';
import { storageUsage } from './gpu-constants.ts';
import type { GpuContext } from './gpu-context.ts';
import {
  diagonalScanApplyWgsl,
  diagonalScanCarryWgsl,
  diagonalScanParams,
  diagonalScanReduceWgsl,
} from './kernels/affine-diagonal-scan.ts';
import { chunkCarryParams } from './kernels/chunk-carry-scan.ts';

/** Resident arrays of a diagonal scan: a, b and x are [B, T, D] f32; x0 is [B, D] (optional). */
export interface DiagonalScanBuffers {
  readonly a: GPUBuffer;
  readonly b: GPUBuffer;
  readonly x: GPUBuffer;
  readonly x0?: GPUBuffer;
  /**
   * A session's status (optional): sequence s is skipped — its x left as it was — while word
   * `s · stride` of `buffer` is 0 (the sequence stopped).
   */
  readonly running?: { readonly buffer: GPUBuffer; readonly stride: number };
}

/** Sizes and direction of a diagonal scan. */
export interface DiagonalScanShape {
  readonly batch: number;
  readonly length: number;
  readonly dim: number;
  readonly reverse?: boolean;
  /** Chunk length L (default: {@link chunkPlan}'s choice). */
  readonly chunk?: number;
}

/** Scratch buffers of a scan (chunk aggregates and prefixes); reused across calls of one shape. */
export interface ScanScratch {
  aggregates: GPUBuffer;
  prefixes: GPUBuffer;
}

/** The bytes of scratch a scan of this shape needs per array. */
export function diagonalScanScratchBytes(context: GpuContext, shape: DiagonalScanShape): number {
  const windows = context.sequenceWindows(shape.batch, [shape.length * shape.dim * 4], 'a');
  const most = Math.max(...windows.map((window) => window.batchCount));
  const { chunks } = chunkPlan(shape.length, shape.batch * shape.dim, shape.chunk);
  return most * shape.dim * chunks * 8;
}

/** Acquires scratch for scans of `shape` from the pool. */
export function acquireScanScratch(context: GpuContext, bytes: number): ScanScratch {
  return {
    aggregates: context.pool.acquire(bytes, storageUsage, 'scan-aggregates'),
    prefixes: context.pool.acquire(bytes, storageUsage, 'scan-prefixes'),
  };
}

/** Returns scratch to the pool. */
export function releaseScanScratch(context: GpuContext, scratch: ScanScratch): void {
  context.pool.release(scratch.aggregates);
  context.pool.release(scratch.prefixes);
}

/**
 * Records the three passes of the diagonal scan x_t = a_t ⊙ x_{t∓1} + b_t into `pass`, one window of whole
 * sequences at a time when the arrays exceed one storage binding.
 */
export function encodeDiagonalScan(
  context: GpuContext,
  pass: GPUComputePassEncoder,
  buffers: DiagonalScanBuffers,
  shape: DiagonalScanShape,
  scratch: ScanScratch,
): void {
  const { batch, length, dim } = shape;
  const perSequence = length * dim;
  const { chunk, chunks } = chunkPlan(length, batch * dim, shape.chunk);
  const skip = buffers.running !== undefined;
  const variant = skip ? '-running' : '';
  const reduce = context.pipeline(`diagonal-scan/reduce${variant}`, () => diagonalScanReduceWgsl(skip));
  const carry = context.pipeline('diagonal-scan/carry', diagonalScanCarryWgsl);
  const apply = context.pipeline(`diagonal-scan/apply${variant}`, () => diagonalScanApplyWgsl(skip));
  const running: GPUBufferBinding[] = buffers.running ? [{ buffer: buffers.running.buffer }] : [];
  // Without x0 the carry pass never reads binding 3: bind a few bytes of x (a whole large x would exceed the
  // storage binding limit).
  const x0: GPUBufferBinding = buffers.x0
    ? { buffer: buffers.x0 }
    : { buffer: buffers.x, offset: 0, size: 16 };
  const workgroupSize = webGpuDefaults.workgroupSize;
  for (const window of context.sequenceWindows(batch, [perSequence * 4], 'a')) {
    const a = context.windowBinding(buffers.a, perSequence, window);
    const b = context.windowBinding(buffers.b, perSequence, window);
    const x = context.windowBinding(buffers.x, perSequence, window);
    const count = window.batchCount * chunks * dim;
    const values = {
      batch: window.batchCount,
      length,
      dim,
      chunk,
      chunks,
      count,
      reverse: shape.reverse ? 1 : 0,
      offset_a: a.residual,
      offset_b: b.residual,
      offset_x: x.residual,
      batch_base: window.batchStart,
      running_stride: buffers.running?.stride ?? 0,
    };
    const groups = Math.ceil(count / workgroupSize);
    const scratchSize = window.batchCount * dim * chunks * 8;
    const aggregates = { buffer: scratch.aggregates, offset: 0, size: scratchSize };
    const prefixes = { buffer: scratch.prefixes, offset: 0, size: scratchSize };
    context.dispatch(
      pass,
      reduce,
      diagonalScanParams.pack(values),
      [a.range, b.range, aggregates, ...running],
      groups,
    );
    const carryValues = {
      count: window.batchCount * dim,
      chunks,
      batch_base: window.batchStart,
      channels: dim,
      has_initial: buffers.x0 ? 1 : 0,
    };
    context.dispatch(
      pass,
      carry,
      chunkCarryParams.pack(carryValues),
      [aggregates, prefixes, x0],
      window.batchCount * dim,
    );
    context.dispatch(
      pass,
      apply,
      diagonalScanParams.pack(values),
      [a.range, b.range, prefixes, x.range, ...running],
      groups,
    );
  }
}
