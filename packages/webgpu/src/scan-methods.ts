/**
 * The backend's standalone scans: upload, scan on the GPU, read back. (Sessions run the same kernels on
 * resident buffers without any transfer.)
 *
 * @module
 */

import {
  acquireScanScratch,
  chooseScanVariant,
  diagonalScanScratchBytes,
  encodeDiagonalScan,
  releaseScanScratch,
} from './affine-diagonal-scan.ts';
import { WebGpuInputError } from './errors.ts';
import { storageUsage } from './gpu-constants.ts';
import type { GpuContext } from './gpu-context.ts';
import { checkFloatArray, checkPositiveInteger, type HostFloatArray } from './input-checks.ts';
import { readFloat32, uploadArray } from './transfer.ts';

/** Options of {@link WebGpuBackend.scanAffineDiagonal} and {@link WebGpuBackend.scanAffineDense}. */
export interface GpuAffineScanOptions {
  /** a_t [B, T, D] (diagonal) or A_t [B, T, D, D] (dense, row-major: A[i][j] multiplies x_j into x_i). */
  a: HostFloatArray;
  /** b_t [B, T, D]. */
  b: HostFloatArray;
  /** x_0 (forward) or x_{T+1} (reverse), [B, D]; zeros when absent. */
  x0?: HostFloatArray;
  batch: number;
  length: number;
  dim: number;
  /** x_t = a_t x_{t+1} + b_t from t = T down to 1. */
  reverse?: boolean;
  /** Chunk length L of the chunked scan (default: chosen from the sizes). */
  chunk?: number;
  /**
   * Which scan runs (default: the backend's `scanVariant`, `'auto'`: the single-pass vec4 kernel on hardware
   * adapters where D is a multiple of 4, the three passes elsewhere).
   */
  variant?: 'auto' | 'three-pass' | 'single-pass';
}

/** Runs the diagonal affine scan on the GPU (f32) and reads x [B, T, D] back. */
export async function scanAffineDiagonalOnGpu(
  context: GpuContext,
  options: GpuAffineScanOptions,
): Promise<Float32Array> {
  context.assertAlive();
  const batch = checkPositiveInteger('batch', options.batch);
  const length = checkPositiveInteger('length', options.length);
  const dim = checkPositiveInteger('dim', options.dim);
  const size = batch * length * dim;
  const a = checkFloatArray('a', options.a, size, 'batch × length × dim');
  const b = checkFloatArray('b', options.b, size, 'batch × length × dim');
  const x0 =
    options.x0 === undefined ? undefined : checkFloatArray('x0', options.x0, batch * dim, 'batch × dim');
  const choice = options.variant ?? 'auto';
  if (choice !== 'auto' && choice !== 'three-pass' && choice !== 'single-pass') {
    throw new WebGpuInputError('variant', "'auto', 'three-pass' or 'single-pass'", String(choice));
  }
  const variant = chooseScanVariant(context, choice, dim);
  const shape = { batch, length, dim, reverse: options.reverse ?? false, chunk: options.chunk, variant };
  const scratchBytes = diagonalScanScratchBytes(context, shape);
  const buffers = {
    a: uploadArray(context, a, 'a'),
    b: uploadArray(context, b, 'b'),
    x: context.pool.acquire(size * 4, storageUsage, 'x'),
    ...(x0 ? { x0: uploadArray(context, x0, 'x0') } : {}),
  };
  const scratch = acquireScanScratch(context, scratchBytes);
  try {
    const encoder = context.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    encodeDiagonalScan(context, pass, buffers, shape, scratch);
    pass.end();
    context.device.queue.submit([encoder.finish()]);
    return await readFloat32(context, buffers.x, size);
  } finally {
    releaseScanScratch(context, scratch);
    for (const buffer of Object.values(buffers)) context.pool.release(buffer);
  }
}
