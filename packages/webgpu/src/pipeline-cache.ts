/**
 * Compute pipelines cached per device (a `WeakMap` keyed by the device, then by a deterministic key built
 * from the kernel's name, the operator or cell keys and the constants baked into its WGSL).
 *
 * @module
 */

const caches = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

/** Options of {@link cachedPipeline}. */
export interface PipelineOptions {
  /** Print the generated WGSL (with its key) when the pipeline is first built. */
  debug?: boolean;
}

function debugFromEnvironment(): boolean {
  const processValue: unknown = Reflect.get(globalThis, 'process');
  if (typeof processValue !== 'object' || processValue === null) return false;
  const environment: unknown = Reflect.get(processValue, 'env');
  if (typeof environment !== 'object' || environment === null) return false;
  return Reflect.get(environment, 'ELK_WEBGPU_DEBUG') === '1';
}

/**
 * The compute pipeline of `key` on `device`, built from `source()` the first time (entry point `main`,
 * layout `'auto'`). Setting `ELK_WEBGPU_DEBUG=1` or `debug` prints each generated shader once.
 *
 * @example
 * ```ts
 * const pipeline = cachedPipeline(device, 'copy/vec4', () => copyKernelSource());
 * ```
 */
export function cachedPipeline(
  device: GPUDevice,
  key: string,
  source: () => string,
  options: PipelineOptions = {},
): GPUComputePipeline {
  let cache = caches.get(device);
  if (!cache) {
    cache = new Map();
    caches.set(device, cache);
  }
  const cached = cache.get(key);
  if (cached) return cached;
  const code = source();
  if (options.debug || debugFromEnvironment()) console.info(`[elk/webgpu] ${key}\n${code}`);
  const module = device.createShaderModule({ code, label: key });
  const pipeline = device.createComputePipeline({
    layout: 'auto',
    compute: { module, entryPoint: 'main' },
    label: key,
  });
  cache.set(key, pipeline);
  return pipeline;
}

/**
 * The number of pipelines cached for `device` (for tests and diagnostics).
 *
 * @example
 * ```ts
 * cachedPipelineCount(backend.device); // unchanged by a second run of the same kernels
 * ```
 */
export function cachedPipelineCount(device: GPUDevice): number {
  return caches.get(device)?.size ?? 0;
}
