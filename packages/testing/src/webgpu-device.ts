import { createRequire } from 'node:module';
import { describe } from 'vitest';

/** A real WebGPU device for tests, with what the adapter reported. */
export interface TestGpu {
  /**
   * The Dawn `GPU` instance the device came from. dawn.node tears its devices down when this instance is
   * garbage-collected, so it is kept here, reachable for the life of the process.
   */
  gpu: GPU;
  device: GPUDevice;
  adapterInfo: GPUAdapterInfo;
  /** Subgroup support (the `subgroups` feature was requested when present). */
  subgroups: boolean;
}

interface DawnModule {
  create(options: string[]): GPU;
  globals: Record<string, unknown>;
}

/** True when `ELK_REQUIRE_WEBGPU=1`: a missing adapter is then a failure, not a skip. */
export function webGpuRequired(): boolean {
  return process.env.ELK_REQUIRE_WEBGPU === '1';
}

function isDawnModule(value: unknown): value is DawnModule {
  return (
    typeof value === 'object' &&
    value !== null &&
    'create' in value &&
    typeof value.create === 'function' &&
    'globals' in value &&
    typeof value.globals === 'object'
  );
}

async function loadDawn(): Promise<DawnModule> {
  const path = process.env.DAWN_NODE;
  const loaded: unknown = path ? createRequire(import.meta.url)(path) : await import('webgpu');
  if (!isDawnModule(loaded)) throw new Error(`${path ?? 'webgpu'} does not export create() and globals`);
  return loaded;
}

let pending: Promise<TestGpu | { error: string }> | undefined;

async function createTestGpu(): Promise<TestGpu | { error: string }> {
  let dawn: DawnModule;
  try {
    dawn = await loadDawn();
  } catch (error) {
    return { error: `could not load dawn.node: ${String(error)}` };
  }
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  const adapter = await gpu.requestAdapter();
  if (!adapter) return { error: 'navigator.gpu.requestAdapter() returned null (no Vulkan driver?)' };
  const subgroups = adapter.features.has('subgroups');
  const requiredFeatures: GPUFeatureName[] = subgroups ? ['subgroups' as GPUFeatureName] : [];
  const device = await adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: adapter.limits.maxComputeWorkgroupSizeX,
    },
  });
  const info = adapter.info;
  console.info(
    `[elk/testing] WebGPU adapter: ${info.vendor} ${info.architecture} ${info.device} ${info.description}`.trim() +
      (subgroups ? ' (subgroups)' : ''),
  );
  return { gpu, device, adapterInfo: info, subgroups };
}

/**
 * The shared WebGPU device of this test process, or `null` when no adapter exists.
 * Loads dawn.node from `process.env.DAWN_NODE` when set, else from the `webgpu` package.
 * With `ELK_REQUIRE_WEBGPU=1` a missing adapter throws instead of returning `null`.
 */
export async function getTestDevice(): Promise<TestGpu | null> {
  pending ??= createTestGpu();
  const result = await pending;
  if ('error' in result) {
    if (webGpuRequired()) throw new Error(`ELK_REQUIRE_WEBGPU=1 but WebGPU is unavailable: ${result.error}`);
    return null;
  }
  return result;
}

/**
 * `describe` for suites that need a real WebGPU device. The callback receives a getter for the
 * device (valid inside tests and hooks). Without an adapter the suite is skipped with a visible
 * message, unless `ELK_REQUIRE_WEBGPU=1`, where it fails.
 */
export function describeWebGpu(name: string, body: (gpu: () => TestGpu) => void): void {
  const available = getTestDevice().then(
    (gpu) => gpu,
    (error: unknown) => error as Error,
  );
  describe(`${name} [WebGPU]`, async () => {
    const gpu = await available;
    if (gpu instanceof Error) throw gpu;
    if (gpu === null) {
      console.warn(
        `[elk/testing] SKIPPED "${name}": no WebGPU adapter (set ELK_REQUIRE_WEBGPU=1 to fail instead)`,
      );
      describe.skip('no WebGPU adapter', () => {
        body(() => {
          throw new Error('unreachable: suite skipped');
        });
      });
      return;
    }
    body(() => gpu);
  });
}
