/**
 * Finding a WebGPU implementation: `navigator.gpu` in browsers (and Deno), dawn.node in Node — from
 * `process.env.DAWN_NODE` when set, else from the `webgpu` package.
 *
 * @module
 */

import { WebGpuUnavailableError } from './errors.ts';

interface DawnModule {
  create(options: string[]): GPU;
  globals: object;
}

function isDawnModule(value: unknown): value is DawnModule {
  return (
    typeof value === 'object' &&
    value !== null &&
    'create' in value &&
    typeof value.create === 'function' &&
    'globals' in value
  );
}

function navigatorGpu(): GPU | undefined {
  const candidate: unknown = Reflect.get(globalThis, 'navigator');
  if (typeof candidate !== 'object' || candidate === null) return undefined;
  const gpu: unknown = Reflect.get(candidate, 'gpu');
  return typeof gpu === 'object' && gpu !== null ? (gpu as GPU) : undefined;
}

function environmentVariable(name: string): string | undefined {
  const processValue: unknown = Reflect.get(globalThis, 'process');
  if (typeof processValue !== 'object' || processValue === null) return undefined;
  const environment: unknown = Reflect.get(processValue, 'env');
  if (typeof environment !== 'object' || environment === null) return undefined;
  const value: unknown = Reflect.get(environment, name);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** A module specifier hidden from bundlers, so that browser bundles never try to resolve it. */
async function importUnbundled(specifier: string): Promise<unknown> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier);
}

async function loadDawn(): Promise<DawnModule> {
  const path = environmentVariable('DAWN_NODE');
  let loaded: unknown;
  if (path) {
    const nodeModule = await importUnbundled('node:module');
    const createRequire: unknown = Reflect.get(nodeModule as object, 'createRequire');
    if (typeof createRequire !== 'function')
      throw new WebGpuUnavailableError('node:module has no createRequire');
    const require: unknown = createRequire(import.meta.url);
    if (typeof require !== 'function') throw new WebGpuUnavailableError('createRequire returned no function');
    loaded = require(path);
  } else {
    loaded = await importUnbundled('webgpu');
  }
  if (!isDawnModule(loaded)) {
    throw new WebGpuUnavailableError(
      `dawn.node (${path ?? "the 'webgpu' package"}) does not export create() and globals`,
    );
  }
  return loaded;
}

/**
 * GPU instances created from dawn.node stay referenced for the life of the process: when one is garbage
 * collected while a device made from it is still in use, dawn.node aborts the process.
 */
const retainedInstances = new Set<GPU>();

/** Options of {@link loadGpu}. */
export interface LoadGpuOptions {
  /** Options passed to dawn.node's `create()` in Node, e.g. `['disable-dawn-features=timestamp_quantization']`. */
  dawnOptions?: readonly string[];
}

/**
 * The `GPU` entry point of this environment: `navigator.gpu` when present, else dawn.node (from
 * `process.env.DAWN_NODE`, else the `webgpu` package, loaded with a dynamic import bundlers leave alone).
 * In Node, dawn.node's globals (`GPUBufferUsage`, …) are installed on `globalThis` when absent.
 *
 * @throws {@link WebGpuUnavailableError} when neither is available.
 * @example
 * ```ts
 * const gpu = await loadGpu();
 * const adapter = await gpu.requestAdapter();
 * ```
 */
export async function loadGpu(options: LoadGpuOptions = {}): Promise<GPU> {
  const gpu = navigatorGpu();
  if (gpu) return gpu;
  let dawn: DawnModule;
  try {
    dawn = await loadDawn();
  } catch (error) {
    if (error instanceof WebGpuUnavailableError) throw error;
    throw new WebGpuUnavailableError(
      `no navigator.gpu and dawn.node could not be loaded (install the 'webgpu' package or set DAWN_NODE): ${String(error)}`,
    );
  }
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) Reflect.set(globalThis, name, value);
  }
  const instance = dawn.create([...(options.dawnOptions ?? [])]);
  retainedInstances.add(instance);
  return instance;
}
