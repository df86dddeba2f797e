/**
 * The backend's buffer pool: GPU buffers are reused across calls, never allocated per iteration, and
 * every byte is counted (current and peak) for the memory figures.
 *
 * @module
 */

import { WebGpuDeviceLostError, WebGpuSizeError } from './errors.ts';

/** Sizes are rounded up to a multiple of this many bytes, so that similar requests share buffers. */
const sizeGranularity = 256;

/**
 * Buffers kept together for a next user that asks for them by the same signature (a destroyed session's
 * arrays, for the next session of the same shape). `release` gives them back to the pool one by one.
 */
export interface ParkedBuffers {
  release(): void;
}

/**
 * A pool of GPU buffers owned by one backend. `acquire` returns a free buffer of the same usage and
 * rounded size, or creates one; `release` gives it back for reuse; `destroy` frees all of them.
 *
 * @example
 * ```ts
 * const pool = new BufferPool(device);
 * const buffer = pool.acquire(1024, GPUBufferUsage.STORAGE);
 * pool.release(buffer);
 * console.log(pool.peakBytes);
 * pool.destroy();
 * ```
 */
export class BufferPool {
  readonly #device: GPUDevice;
  readonly #free = new Map<string, GPUBuffer[]>();
  readonly #live = new Set<GPUBuffer>();
  #parked: { signature: string; buffers: ParkedBuffers; usage: number } | undefined;
  #allocatedBytes = 0;
  #peakBytes = 0;
  #destroyed = false;

  constructor(device: GPUDevice) {
    this.#device = device;
  }

  /** Bytes of all buffers the pool holds now (in use or free). */
  get allocatedBytes(): number {
    return this.#allocatedBytes;
  }

  /** The most bytes the pool held at once since creation or the last {@link BufferPool.resetPeak}. */
  get peakBytes(): number {
    return this.#peakBytes;
  }

  /** Restarts peak tracking from the bytes held now. */
  resetPeak(): void {
    this.#peakBytes = this.#allocatedBytes;
  }

  /**
   * A buffer of at least `bytes` bytes (rounded up to 256) with exactly `usage`.
   *
   * @throws {@link WebGpuSizeError} beyond the device's `maxBufferSize`.
   */
  acquire(bytes: number, usage: number, label = 'elk'): GPUBuffer {
    if (this.#destroyed) throw new WebGpuDeviceLostError('the backend was destroyed');
    const size = Math.max(sizeGranularity, Math.ceil(bytes / sizeGranularity) * sizeGranularity);
    if (size > this.#device.limits.maxBufferSize) {
      throw new WebGpuSizeError(
        label,
        `at most ${this.#device.limits.maxBufferSize} bytes (the device's maxBufferSize)`,
        `${bytes} bytes`,
      );
    }
    const key = `${usage}:${size}`;
    let reusable = this.#free.get(key)?.pop();
    // Parked buffers count as free ones the moment another request of their usage would otherwise allocate.
    if (!reusable && this.#parked?.usage === usage && this.#unpark()) reusable = this.#free.get(key)?.pop();
    if (reusable) return reusable;
    const buffer = this.#device.createBuffer({ size, usage, label });
    this.#live.add(buffer);
    this.#allocatedBytes += size;
    this.#peakBytes = Math.max(this.#peakBytes, this.#allocatedBytes);
    return buffer;
  }

  /** Returns a buffer to the pool for reuse. */
  release(buffer: GPUBuffer): void {
    if (!this.#live.has(buffer)) return;
    const key = `${buffer.usage}:${buffer.size}`;
    const list = this.#free.get(key) ?? [];
    if (!list.includes(buffer)) list.push(buffer);
    this.#free.set(key, list);
  }

  /**
   * Keeps `buffers` (of `usage`) whole for {@link BufferPool.takeParked} with the same `signature`, in place of
   * any set parked before (which goes back to the free buffers). The parked set holds no more memory than the
   * free buffers would: the first request of its usage the free buffers cannot serve, and `trim`, release it.
   */
  park(signature: string, buffers: ParkedBuffers, usage: number): void {
    this.#unpark();
    if (this.#destroyed) return;
    this.#parked = { signature, buffers, usage };
  }

  /** The set parked under `signature`, now the caller's (undefined if none is). */
  takeParked(signature: string): ParkedBuffers | undefined {
    const parked = this.#parked;
    if (parked?.signature !== signature) return undefined;
    this.#parked = undefined;
    return parked.buffers;
  }

  /** Releases the parked set, if any, into the free buffers; whether there was one. */
  #unpark(): boolean {
    const parked = this.#parked;
    if (!parked) return false;
    this.#parked = undefined;
    parked.buffers.release();
    return true;
  }

  /** Destroys the free buffers, parked ones included (the memory goes back to the device). */
  trim(): void {
    this.#unpark();
    for (const list of this.#free.values()) {
      for (const buffer of list) this.#discard(buffer);
    }
    this.#free.clear();
  }

  /** Destroys every buffer the pool created; the pool cannot be used afterwards. */
  destroy(): void {
    this.#parked = undefined;
    for (const buffer of [...this.#live]) this.#discard(buffer);
    this.#free.clear();
    this.#destroyed = true;
  }

  #discard(buffer: GPUBuffer): void {
    if (!this.#live.delete(buffer)) return;
    this.#allocatedBytes -= buffer.size;
    buffer.destroy();
  }
}
