import { requestWebGpuDevice } from '@elk/webgpu';

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
}

/**
 * Creates a WebGPU device through `@elk/webgpu` (dawn.node in Node: `process.env.DAWN_NODE` when set, else the
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
  let requested: Awaited<ReturnType<typeof requestWebGpuDevice>>;
  try {
    requested = await requestWebGpuDevice({ dawnOptions: ['disable-dawn-features=timestamp_quantization'] });
  } catch (error) {
    return { unavailable: error instanceof Error ? error.message : String(error) };
  }
  const { device, capabilities } = requested;
  return {
    device,
    adapter: capabilities.adapter,
    limits: {
      maxStorageBufferBindingSize: capabilities.maxStorageBufferBindingSize,
      maxBufferSize: capabilities.maxBufferSize,
      maxComputeWorkgroupsPerDimension: capabilities.maxComputeWorkgroupsPerDimension,
    },
    timestamps: capabilities.timestampQuery,
    subgroups: capabilities.subgroups,
    software: capabilities.software,
  };
}
