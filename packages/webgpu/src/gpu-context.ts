/**
 * The shared machinery of the backend's kernels: device, capabilities, buffer pool, cached uniform blocks and
 * bind groups, 2-D dispatch, and windows of whole sequences for arrays beyond `maxStorageBufferBindingSize`.
 *
 * @module
 */

import { BufferPool } from './buffer-pool.ts';
import type { DeviceCapabilities } from './device-capabilities.ts';
import { dispatchGrid } from './dispatch-grid.ts';
import { WebGpuDeviceLostError, WebGpuSizeError } from './errors.ts';
import { BufferUsage } from './gpu-constants.ts';
import { cachedPipeline } from './pipeline-cache.ts';

/** A storage binding: a whole buffer, or a range of it. */
export interface BindingRange {
  readonly buffer: GPUBuffer;
  readonly offset?: number;
  readonly size?: number;
}

/** A window of whole sequences [batchStart, batchStart + batchCount) of a [B, …] array. */
export interface SequenceWindow {
  readonly batchStart: number;
  readonly batchCount: number;
}

/** A windowed binding: the aligned range to bind, and the residual offset (in f32 elements) to add in WGSL. */
export interface WindowedBinding {
  readonly range: BindingRange;
  readonly residual: number;
}

// Buffers and pipelines get numeric ids for the cache keys (reading a pipeline's label is a call into the
// WebGPU implementation, and an object cannot be a string key).
let nextObjectId = 1;
const objectIds = new WeakMap<object, number>();
function objectId(object: GPUBuffer | GPUComputePipeline): number {
  let id = objectIds.get(object);
  if (id === undefined) {
    id = nextObjectId++;
    objectIds.set(object, id);
  }
  return id;
}

/** One dispatch as {@link GpuContext.dispatch} recorded it: enough to record it again. */
export interface RecordedDispatch {
  readonly pipeline: GPUComputePipeline;
  readonly group: GPUBindGroup;
  readonly x: number;
  readonly y: number;
}

/** Bind groups kept per context before the cache is cleared. */
const bindGroupCacheLimit = 4096;

/**
 * The device-side state one backend owns. Not part of the public API: the backend and its sessions use it.
 */
export class GpuContext {
  readonly device: GPUDevice;
  readonly capabilities: DeviceCapabilities;
  readonly pool: BufferPool;
  readonly debug: boolean;
  /** The storage binding limit in use (the device's, or a smaller one given for testing). */
  readonly maxBindingBytes: number;
  /** Kernels let the compiler unroll size-D loops (hardware adapters; see `CellShape.unroll`). */
  readonly unroll: boolean;
  #lost: string | undefined;
  readonly #uniforms = new Map<string, GPUBuffer>();
  readonly #bindGroups = new Map<string, GPUBindGroup>();

  constructor(
    device: GPUDevice,
    capabilities: DeviceCapabilities,
    debug: boolean,
    maxBindingBytes?: number,
    unroll?: boolean,
  ) {
    this.device = device;
    this.unroll = unroll ?? !capabilities.software;
    this.capabilities = capabilities;
    this.pool = new BufferPool(device);
    this.debug = debug;
    this.maxBindingBytes = Math.min(
      maxBindingBytes ?? capabilities.maxStorageBufferBindingSize,
      capabilities.maxStorageBufferBindingSize,
    );
    device.lost.then(
      (info) => {
        this.#lost = `${info.reason}: ${info.message}`;
      },
      () => undefined,
    );
  }

  /** The reason the device was lost, or undefined while it is usable. */
  get lostReason(): string | undefined {
    return this.#lost;
  }

  /** @throws {@link WebGpuDeviceLostError} when the device was lost. */
  assertAlive(): void {
    if (this.#lost !== undefined)
      throw new WebGpuDeviceLostError(`the WebGPU device was lost (${this.#lost})`);
  }

  /** The pipeline of `key`, built once per device. */
  pipeline(key: string, source: () => string): GPUComputePipeline {
    return cachedPipeline(this.device, key, source, { debug: this.debug });
  }

  /** While set, {@link dispatch} also lists each dispatch it records (a session capturing a primitive). */
  recorder: RecordedDispatch[] | undefined;

  /** A uniform buffer holding `bytes`, shared by every request with the same contents. */
  uniform(bytes: ArrayBuffer): GPUBuffer {
    // The bytes as UTF-16 code units: a key built without an intermediate array (it is built per dispatch).
    const key = String.fromCharCode.apply(null, new Uint16Array(bytes) as unknown as number[]);
    const cached = this.#uniforms.get(key);
    if (cached) return cached;
    const buffer = this.pool.acquire(
      bytes.byteLength,
      BufferUsage.uniform | BufferUsage.copyDestination,
      'params',
    );
    this.device.queue.writeBuffer(buffer, 0, bytes);
    this.#uniforms.set(key, buffer);
    return buffer;
  }

  /** A bind group of `pipeline` (group 0): binding 0 the uniform, then `bindings` in order. */
  bindGroup(
    pipeline: GPUComputePipeline,
    uniform: GPUBuffer,
    bindings: readonly BindingRange[],
  ): GPUBindGroup {
    let key = `${objectId(pipeline)}:${objectId(uniform)}`;
    for (const binding of bindings) {
      key += `:${objectId(binding.buffer)}:${binding.offset ?? 0}:${binding.size ?? -1}`;
    }
    const cached = this.#bindGroups.get(key);
    if (cached) return cached;
    if (this.#bindGroups.size >= bindGroupCacheLimit) this.#bindGroups.clear();
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniform } }];
    bindings.forEach((binding, index) => {
      const size = binding.size ?? binding.buffer.size - (binding.offset ?? 0);
      if (size > this.maxBindingBytes) {
        throw new WebGpuSizeError(
          `binding ${index + 1} of ${pipeline.label}`,
          `at most ${this.maxBindingBytes} bytes (the storage binding limit)`,
          `${size} bytes`,
        );
      }
      const resource: GPUBufferBinding = { buffer: binding.buffer };
      if (binding.offset !== undefined) resource.offset = binding.offset;
      if (binding.size !== undefined) resource.size = binding.size;
      entries.push({ binding: index + 1, resource });
    });
    const group = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    this.#bindGroups.set(key, group);
    return group;
  }

  /**
   * Records one dispatch of `workgroups` workgroups (2-D beyond the per-dimension limit) into `pass`.
   * `uniformBytes` fills binding 0; `bindings` follow from binding 1.
   */
  dispatch(
    pass: GPUComputePassEncoder,
    pipeline: GPUComputePipeline,
    uniformBytes: ArrayBuffer,
    bindings: readonly BindingRange[],
    workgroups: number,
  ): void {
    if (workgroups <= 0) return;
    const group = this.bindGroup(pipeline, this.uniform(uniformBytes), bindings);
    const [x, y] = dispatchGrid(workgroups, this.capabilities.maxComputeWorkgroupsPerDimension);
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(x, y);
    this.recorder?.push({ pipeline, group, x, y });
  }

  /**
   * Splits `batch` sequences into windows so that, for every array of `bytesPerSequence` bytes per sequence,
   * a window fits in one storage binding (with room for offset alignment).
   *
   * @throws {@link WebGpuSizeError} when one sequence of some array alone exceeds the binding limit.
   */
  sequenceWindows(batch: number, bytesPerSequence: readonly number[], label: string): SequenceWindow[] {
    const largest = Math.max(4, ...bytesPerSequence);
    const room = this.maxBindingBytes - this.capabilities.minStorageBufferOffsetAlignment;
    if (largest > room) {
      throw new WebGpuSizeError(
        label,
        `one sequence of at most ${room} bytes per array (maxStorageBufferBindingSize ${this.maxBindingBytes})`,
        `${largest} bytes per sequence`,
      );
    }
    const perWindow = Math.max(1, Math.floor(room / largest));
    const windows: SequenceWindow[] = [];
    for (let start = 0; start < batch; start += perWindow) {
      windows.push({ batchStart: start, batchCount: Math.min(perWindow, batch - start) });
    }
    return windows;
  }

  /** The binding of a window of a [B, …] f32 array with `elementsPerSequence` elements per sequence. */
  windowBinding(buffer: GPUBuffer, elementsPerSequence: number, window: SequenceWindow): WindowedBinding {
    const alignment = this.capabilities.minStorageBufferOffsetAlignment;
    const start = window.batchStart * elementsPerSequence * 4;
    const offset = Math.floor(start / alignment) * alignment;
    const residual = (start - offset) / 4;
    const size = Math.min(buffer.size - offset, residual * 4 + window.batchCount * elementsPerSequence * 4);
    return { range: { buffer, offset, size: Math.max(4, Math.ceil(size / 4) * 4) }, residual };
  }
}
