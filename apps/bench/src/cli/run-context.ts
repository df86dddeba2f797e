import type { Backend } from '@elk/solvers';
import type { WebGpuBackend } from '@elk/webgpu';
import type { GpuDevice } from '../gpu/gpu-device.ts';
import type { Progress } from '../output/progress.ts';
import type { BenchOptions } from './options.ts';

/** The compute backend a figure runs on. */
export interface BenchBackend {
  kind: 'cpu' | 'webgpu';
  /** The `@elk/solvers` backend to pass to `evaluate`/`createSession`. */
  solver: Backend;
  /** The adapter's description on WebGPU; null on the CPU. */
  adapter: string | null;
  /** The WebGPU backend itself (its bandwidth probes and peak-bytes tracking); null on the CPU. */
  webgpu: WebGpuBackend | null;
  /** The device (WebGPU only), for the bench's own copy kernel. */
  gpu: GpuDevice | null;
  /** Why WebGPU was not used when it was not asked for explicitly (no adapter, …); null otherwise. */
  fallbackReason: string | null;
}

/** Everything a figure needs to run. */
export interface RunContext {
  options: BenchOptions;
  /** apps/bench (the default results and model paths are relative to it). */
  benchRoot: string;
  /** The backend chosen by `--backend` (or detected), created on first use. */
  backend(): Promise<BenchBackend>;
  /** The CPU backend (the oracle, and the f64 path of the stability figures), created on first use. */
  cpu(): Promise<Backend>;
  progress: Progress;
  /** Prints a line for people (stderr; silent with `--json`). */
  log(message: string): void;
}
