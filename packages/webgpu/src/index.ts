/**
 * WebGPU backend of elk: chunked WGSL scans (diagonal, dense, generic, Kalman), cells composed from their
 * WGSL twins, and a GPU-resident solver loop implementing `@elk/solvers`' Backend contract.
 *
 * @module
 */

export { BufferPool } from './buffer-pool.ts';
export { type ChunkPlan, chunkPlan } from './chunk-plan.ts';
export type { CopyBandwidth, CopyBandwidthOptions } from './copy-bandwidth.ts';
export { webGpuDefaults } from './defaults.ts';
export {
  type DeviceCapabilities,
  deviceCapabilities,
  type RequestDeviceOptions,
  requestWebGpuDevice,
} from './device-capabilities.ts';
export { dispatchGrid } from './dispatch-grid.ts';
export {
  WebGpuBackendError,
  WebGpuDeviceLostError,
  WebGpuExecutionError,
  WebGpuInputError,
  WebGpuSizeError,
  WebGpuUnavailableError,
  WebGpuUnsupportedDimensionError,
} from './errors.ts';
export type { GpuScanOptions } from './generic-scan.ts';
export { type LoadGpuOptions, loadGpu } from './gpu-loader.ts';
export { type Measurement, type MeasureOptions, measure } from './measure.ts';
export { cachedPipelineCount } from './pipeline-cache.ts';
export type { ScanBandwidth, ScanBandwidthOptions } from './scan-bandwidth.ts';
export type { GpuAffineScanOptions } from './scan-methods.ts';
export { readSessionPassTimes, timeSessionPasses } from './session/gpu-session.ts';
export type {
  FusionChoice,
  InputProjections,
  LinearizeKernel,
  LinearizeRows,
  ScanUpdate,
  ScanVariantChoice,
  SequentialKernel,
} from './session/kernel-choice.ts';
export { type PassTime, summarizePassTimes } from './session/pass-timer.ts';
export { warmUpGpu } from './warm-up.ts';
export { createWebGpuBackend, type WebGpuBackend, type WebGpuBackendOptions } from './webgpu-backend.ts';
