/**
 * The demo's compute backend: WebGPU through `navigator.gpu` when the browser has it, else elk's CPU backend
 * — labelled, with the reason, so the page never hides which one ran.
 *
 * @module
 */

import { type Backend, createCpuBackend } from '@elk/solvers';

/** Which backend the user asked for. */
export type BackendPreference = 'auto' | 'webgpu' | 'cpu';

/** The backend the demo runs on, and how the page describes it. */
export interface DemoBackend {
  readonly backend: Backend;
  readonly kind: 'webgpu' | 'cpu';
  /** The adapter (WebGPU) or `'JavaScript'` (CPU). */
  readonly adapter: string;
  /** Why the CPU runs although WebGPU was wanted; `null` otherwise. */
  readonly fallbackReason: string | null;
  /** One line for the page, e.g. `'WebGPU (google swiftshader)'` or `'CPU fallback: …'`. */
  readonly label: string;
}

function cpuBackend(fallbackReason: string | null): DemoBackend {
  return {
    backend: createCpuBackend(),
    kind: 'cpu',
    adapter: 'JavaScript',
    fallbackReason,
    label: fallbackReason ? `CPU (fallback: ${fallbackReason})` : 'CPU (chosen)',
  };
}

/**
 * Creates the backend for a preference. `'auto'` and `'webgpu'` try WebGPU first (loaded on demand, so pages
 * without the demo never load it) and fall back to the CPU with the reason.
 */
export async function createDemoBackend(preference: BackendPreference): Promise<DemoBackend> {
  if (preference === 'cpu') return cpuBackend(null);
  if (typeof navigator === 'undefined' || !('gpu' in navigator)) {
    return cpuBackend('this browser has no WebGPU (navigator.gpu)');
  }
  try {
    const { createWebGpuBackend } = await import('@elk/webgpu');
    const backend = await createWebGpuBackend();
    const adapter = backend.capabilities.adapter;
    return { backend, kind: 'webgpu', adapter, fallbackReason: null, label: `WebGPU (${adapter})` };
  } catch (error) {
    return cpuBackend(`WebGPU failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
