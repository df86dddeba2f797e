/**
 * Acquiring a device with the limits and features the backend uses, and reporting what it provides.
 *
 * @module
 */

import { WebGpuUnavailableError } from './errors.ts';
import { type LoadGpuOptions, loadGpu } from './gpu-loader.ts';

/** What a device provides, as the backend uses it. */
export interface DeviceCapabilities {
  /** Adapter description (vendor, architecture, device, description), when known. */
  readonly adapter: string;
  /** The adapter is a CPU implementation (lavapipe/llvmpipe, SwiftShader, WARP). */
  readonly software: boolean;
  /** The `subgroups` feature is enabled on the device. */
  readonly subgroups: boolean;
  /** The `timestamp-query` feature is enabled on the device (GPU timing in {@link measure}). */
  readonly timestampQuery: boolean;
  /** Largest storage-buffer binding, bytes. Arrays beyond it are bound one window of whole sequences at a time. */
  readonly maxStorageBufferBindingSize: number;
  /** Largest buffer, bytes. */
  readonly maxBufferSize: number;
  /** Storage-buffer binding offsets are multiples of this. */
  readonly minStorageBufferOffsetAlignment: number;
  /** Storage buffers one compute shader may bind. */
  readonly maxStorageBuffersPerShaderStage: number;
  /** Workgroup memory, bytes. */
  readonly maxComputeWorkgroupStorageSize: number;
  /** Invocations per workgroup. */
  readonly maxComputeInvocationsPerWorkgroup: number;
  /** Workgroup size along x (the kernels' workgroups are one-dimensional). */
  readonly maxComputeWorkgroupSizeX: number;
  /** Workgroups per dispatch dimension (65535 on every current device): larger grids use 2-D dispatch. */
  readonly maxComputeWorkgroupsPerDimension: number;
}

function describeAdapter(info: GPUAdapterInfo | undefined): string {
  if (!info) return 'unknown adapter';
  return [info.vendor, info.architecture, info.device, info.description]
    .filter((part) => typeof part === 'string' && part.length > 0)
    .join(' ');
}

/**
 * Reads the capabilities of an existing device (the caller's, or one this package requested).
 *
 * @example
 * ```ts
 * const { subgroups, maxStorageBufferBindingSize } = deviceCapabilities(device);
 * ```
 */
export function deviceCapabilities(device: GPUDevice, adapterInfo?: GPUAdapterInfo): DeviceCapabilities {
  const limits = device.limits;
  const info: GPUAdapterInfo | undefined = adapterInfo ?? Reflect.get(device, 'adapterInfo');
  const adapter = describeAdapter(info);
  return {
    adapter,
    software: /llvmpipe|lavapipe|swiftshader|warp|\bcpu\b/i.test(adapter),
    subgroups: device.features.has('subgroups'),
    timestampQuery: device.features.has('timestamp-query'),
    maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
    maxBufferSize: limits.maxBufferSize,
    minStorageBufferOffsetAlignment: limits.minStorageBufferOffsetAlignment,
    maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
    maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
    maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
  };
}

/** Adapters stay referenced while their device lives (dawn.node aborts when they are collected early). */
const adapters = new WeakMap<GPUDevice, GPUAdapter>();

/** Options of {@link requestWebGpuDevice}. */
export interface RequestDeviceOptions extends LoadGpuOptions {
  /** Adapter power preference; default `'high-performance'`. */
  powerPreference?: GPUPowerPreference;
}

/**
 * Requests an adapter and a device with the adapter's full storage limits, and `subgroups` and
 * `timestamp-query` when the adapter has them.
 *
 * @throws {@link WebGpuUnavailableError} when there is no WebGPU or no adapter.
 * @example
 * ```ts
 * const { device, capabilities } = await requestWebGpuDevice();
 * console.log(capabilities.adapter, capabilities.subgroups);
 * ```
 */
export async function requestWebGpuDevice(
  options: RequestDeviceOptions = {},
): Promise<{ device: GPUDevice; capabilities: DeviceCapabilities }> {
  const gpu = await loadGpu(options);
  const adapter = await gpu.requestAdapter({
    powerPreference: options.powerPreference ?? 'high-performance',
  });
  if (!adapter) throw new WebGpuUnavailableError('requestAdapter() returned null (no WebGPU adapter)');
  const wanted: GPUFeatureName[] = ['subgroups', 'timestamp-query'];
  const requiredFeatures = wanted.filter((feature) => adapter.features.has(feature));
  const limits = adapter.limits;
  const device = await adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
    },
  });
  adapters.set(device, adapter);
  return { device, capabilities: deviceCapabilities(device, adapter.info) };
}
