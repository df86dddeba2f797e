/**
 * Moving arrays between the host and the backend's buffers, in pieces of bounded size.
 *
 * @module
 */

import { BufferUsage, mapModeRead, storageUsage } from './gpu-constants.ts';
import type { GpuContext } from './gpu-context.ts';

/** Bytes moved per staging copy on readback. */
const stagingBytes = 64 * 1024 * 1024;

/** Copies `data` (as f32 or u32 words) into a new pooled storage buffer. */
export function uploadArray(context: GpuContext, data: Float32Array | Uint32Array, label: string): GPUBuffer {
  const buffer = context.pool.acquire(Math.max(4, data.byteLength), storageUsage, label);
  writeArray(context, buffer, data);
  return buffer;
}

/** Writes `data` at `byteOffset` of `buffer` (through the queue, in pieces). */
export function writeArray(
  context: GpuContext,
  buffer: GPUBuffer,
  data: Float32Array | Uint32Array,
  byteOffset = 0,
): void {
  for (let start = 0; start < data.byteLength; start += stagingBytes) {
    const size = Math.min(stagingBytes, data.byteLength - start);
    context.device.queue.writeBuffer(buffer, byteOffset + start, data.buffer, data.byteOffset + start, size);
  }
}

/** Reads `byteLength` bytes from `byteOffset` of `buffer` (after all submitted work), in pieces. */
export async function readBytes(
  context: GpuContext,
  buffer: GPUBuffer,
  byteLength: number,
  byteOffset = 0,
): Promise<ArrayBuffer> {
  const result = new Uint8Array(byteLength);
  const pieceSize = Math.min(stagingBytes, Math.max(4, Math.ceil(byteLength / 4) * 4));
  // One staging buffer for every piece of this read, destroyed after it.
  const staging = context.device.createBuffer({
    size: pieceSize,
    usage: BufferUsage.mapRead | BufferUsage.copyDestination,
    label: 'staging',
  });
  try {
    for (let start = 0; start < byteLength; start += pieceSize) {
      const size = Math.min(pieceSize, byteLength - start);
      const padded = Math.ceil(size / 4) * 4;
      const encoder = context.device.createCommandEncoder();
      encoder.copyBufferToBuffer(buffer, byteOffset + start, staging, 0, padded);
      context.device.queue.submit([encoder.finish()]);
      await staging.mapAsync(mapModeRead, 0, padded);
      result.set(new Uint8Array(staging.getMappedRange(0, padded), 0, size), start);
      staging.unmap();
    }
  } finally {
    staging.destroy();
  }
  context.assertAlive();
  return result.buffer;
}

/** One region of a buffer to read: `byteLength` bytes at `byteOffset` (default 0). */
export interface ReadRegion {
  readonly buffer: GPUBuffer;
  readonly byteLength: number;
  readonly byteOffset?: number;
}

/** The bytes a region takes in a staging buffer: its length padded to 4 bytes (at least 4). */
function paddedBytes(region: ReadRegion): number {
  return Math.max(4, Math.ceil(region.byteLength / 4) * 4);
}

/** The bytes `regions` take packed in one staging buffer (each padded to 4 bytes). */
export function stagedBytes(regions: readonly ReadRegion[]): number {
  return regions.reduce((total, region) => total + paddedBytes(region), 0);
}

/**
 * Records, with `encoder`, the copies of `regions` packed into `staging` (MAP_READ, at least
 * {@link stagedBytes} bytes, unmapped), and returns the read: once the copies are submitted, it maps `staging`
 * and returns each region's bytes, leaving `staging` unmapped again (also when the map fails).
 */
export function stageRegions(
  encoder: GPUCommandEncoder,
  regions: readonly ReadRegion[],
  staging: GPUBuffer,
): () => Promise<ArrayBuffer[]> {
  const offsets: number[] = [];
  let total = 0;
  for (const region of regions) {
    const padded = paddedBytes(region);
    encoder.copyBufferToBuffer(region.buffer, region.byteOffset ?? 0, staging, total, padded);
    offsets.push(total);
    total += padded;
  }
  return async () => {
    try {
      await staging.mapAsync(mapModeRead, 0, total);
      const mapped = new Uint8Array(staging.getMappedRange(0, total));
      return regions.map((region, index) => {
        const start = offsets[index] ?? 0;
        return mapped.slice(start, start + region.byteLength).buffer;
      });
    } finally {
      // Unmapping also cancels a map still pending; a lost device has nothing left to unmap.
      try {
        staging.unmap();
      } catch {
        // Nothing mapped, or the device is gone.
      }
    }
  };
}

/**
 * Reads several small regions with one copy submission and one map of a shared staging buffer (one wait for
 * the queue instead of one per region), for reads of at most 64 MiB together.
 *
 * @example
 * ```ts
 * const [status, history] = await readRegions(context, [{ buffer: a, byteLength: 64 }, { buffer: b, byteLength: 256 }]);
 * ```
 */
export async function readRegions(
  context: GpuContext,
  regions: readonly ReadRegion[],
): Promise<ArrayBuffer[]> {
  const total = stagedBytes(regions);
  if (total > stagingBytes) {
    return Promise.all(
      regions.map((region) => readBytes(context, region.buffer, region.byteLength, region.byteOffset ?? 0)),
    );
  }
  const staging = context.device.createBuffer({
    size: total,
    usage: BufferUsage.mapRead | BufferUsage.copyDestination,
    label: 'staging',
  });
  try {
    const encoder = context.device.createCommandEncoder();
    const read = stageRegions(encoder, regions, staging);
    context.device.queue.submit([encoder.finish()]);
    return await read();
  } finally {
    staging.destroy();
    context.assertAlive();
  }
}

/** Reads `length` f32 values from `buffer`. */
export async function readFloat32(
  context: GpuContext,
  buffer: GPUBuffer,
  length: number,
  byteOffset = 0,
): Promise<Float32Array> {
  return new Float32Array(await readBytes(context, buffer, length * 4, byteOffset));
}
