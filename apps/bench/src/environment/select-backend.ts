import type { Backend } from '@elk/solvers';
import type { BenchBackend } from '../cli/run-context.ts';
import { UsageError } from '../cli/usage-error.ts';
import { createGpuDevice } from '../gpu/gpu-device.ts';

/** Creates `@elk/solvers`' CPU backend (f64 or f32 by the inputs' array type). */
export async function createCpu(): Promise<Backend> {
  const { createCpuBackend } = await import('@elk/solvers');
  return createCpuBackend();
}

/**
 * Picks the backend: `'cpu'`, `'webgpu'` (a usage error when no adapter exists), or — when not asked —
 * WebGPU if a hardware adapter exists and the CPU otherwise (a software adapter such as lavapipe is slower
 * than the CPU backend, so it is used only when asked for; the reason is kept for the record).
 *
 * @example
 * ```ts
 * const backend = await selectBackend(undefined); // webgpu on a machine with an adapter
 * ```
 */
export async function selectBackend(requested: 'cpu' | 'webgpu' | undefined): Promise<BenchBackend> {
  if (requested === 'cpu') {
    return {
      kind: 'cpu',
      solver: await createCpu(),
      webgpu: null,
      adapter: null,
      gpu: null,
      fallbackReason: null,
    };
  }
  let reason: string;
  try {
    const gpu = await createGpuDevice();
    if ('device' in gpu && gpu.software && requested === undefined) {
      gpu.device.destroy();
      reason = `only a software adapter (${gpu.adapter}), slower than the CPU backend; pass --backend webgpu to use it`;
    } else if ('device' in gpu) {
      const { createWebGpuBackend } = await import('@elk/webgpu');
      const solver = await createWebGpuBackend({ device: gpu.device });
      return { kind: 'webgpu', solver, webgpu: solver, adapter: gpu.adapter, gpu, fallbackReason: null };
    } else reason = gpu.unavailable;
  } catch (error) {
    reason = error instanceof Error ? error.message : String(error);
  }
  if (requested === 'webgpu')
    throw new UsageError('--backend', 'a WebGPU adapter on this machine', `webgpu (${reason})`);
  return {
    kind: 'cpu',
    solver: await createCpu(),
    webgpu: null,
    adapter: null,
    gpu: null,
    fallbackReason: reason,
  };
}
