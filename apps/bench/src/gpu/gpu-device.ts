import { createRequire } from 'node:module';

/** A WebGPU device created for measuring, with what its adapter reported. */
export interface GpuDevice {
  device: GPUDevice;
  /** `vendor architecture device description` of the adapter. */
  adapter: string;
  /** The device's limits that the bench relies on. */
  limits: {
    maxStorageBufferBindingSize: number;
    maxBufferSize: number;
    maxComputeWorkgroupsPerDimension: number;
  };
  /** `timestamp-query` was granted (GPU-side timing of compute passes). */
  timestamps: boolean;
  subgroups: boolean;
  /** A software rasteriser (lavapipe/llvmpipe, SwiftShader): real WebGPU, but slower than the CPU backend. */
  software: boolean;
  /** The dawn.node GPU instance and adapter, kept referenced: Dawn tears the device down when they are collected. */
  owners?: { instance: GPU; adapter: GPUAdapter };
}

interface DawnModule {
  create(options: string[]): GPU;
  globals: Record<string, unknown>;
}

function isDawnModule(value: unknown): value is DawnModule {
  return typeof value === 'object' && value !== null && 'create' in value && 'globals' in value;
}

async function loadDawn(): Promise<DawnModule> {
  const path = process.env.DAWN_NODE;
  const loaded: unknown = path ? createRequire(import.meta.url)(path) : await import('webgpu');
  if (!isDawnModule(loaded)) throw new Error('the webgpu module has no create()/globals');
  return loaded;
}

/**
 * Creates a WebGPU device in Node through dawn.node (from `process.env.DAWN_NODE` when set, else the
 * `webgpu` package), with the adapter's full buffer limits, `timestamp-query` (unquantised) and
 * `subgroups` when offered. Returns the reason instead when no adapter exists.
 *
 * @example
 * ```ts
 * const gpu = await createGpuDevice();
 * if ('device' in gpu) console.log(gpu.adapter);
 * ```
 */
export async function createGpuDevice(): Promise<GpuDevice | { unavailable: string }> {
  let dawn: DawnModule;
  try {
    dawn = await loadDawn();
  } catch (error) {
    return {
      unavailable: `could not load dawn.node (${error instanceof Error ? error.message : String(error)})`,
    };
  }
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create(['disable-dawn-features=timestamp_quantization']);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return { unavailable: 'requestAdapter() returned null (no WebGPU adapter)' };
  const wanted: GPUFeatureName[] = ['timestamp-query', 'subgroups' as GPUFeatureName, 'shader-f16'];
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
      maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
    },
  });
  const info = adapter.info;
  const description = [info.vendor, info.architecture, info.device, info.description].join(' ');
  return {
    device,
    adapter: [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ').trim(),
    limits: {
      maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
      maxBufferSize: device.limits.maxBufferSize,
      maxComputeWorkgroupsPerDimension: device.limits.maxComputeWorkgroupsPerDimension,
    },
    timestamps: device.features.has('timestamp-query'),
    subgroups: device.features.has('subgroups'),
    software: /llvmpipe|lavapipe|swiftshader/i.test(description),
    owners: { instance: gpu, adapter },
  };
}
