import type { Cell, FloatArray } from '@elk/cells';
import { type Backend, evaluate, type StopReason } from '@elk/solvers';
import { collectGarbage } from '../analysis/collect-garbage.ts';
import type { Method, StoppingRule } from '../defaults.ts';
import { type EvaluatePhases, phaseTimedBackend } from '../gpu/phase-timed-backend.ts';

/** One timed `evaluate` call. */
export interface MethodRun {
  states: FloatArray;
  seconds: number;
  iterations: number;
  converged: boolean;
  stopReasons: StopReason[];
  /**
   * Bytes the backend reports as its peak allocation, or on the CPU the high-water mark of ArrayBuffer memory
   * above a collected baseline, sampled after every iteration (through `evaluate`'s trace hook) and at the end.
   */
  peakBytes: number | null;
  /** How `peakBytes` was measured. */
  memorySource: 'backend' | 'arrayBuffers' | 'none';
  /**
   * The backend's peak minus what it already held (pooled buffers of earlier runs) when the call began: the
   * memory this run added. Null where the backend reports no allocation figures.
   */
  peakAboveHeldBytes: number | null;
  /** Where the call's wall clock went: upload, resident solve, read-back (see {@link EvaluatePhases}). */
  phases: EvaluatePhases;
}

/** The bytes a backend holds now (its `allocatedBytes`, pooled buffers included), or null. */
export function backendAllocatedBytes(backend: Backend): number | null {
  if (!('allocatedBytes' in backend)) return null;
  const value: unknown = backend.allocatedBytes;
  return typeof value === 'number' ? value : null;
}

/** The peak bytes a backend reports (a `peakBytes` number or method, as the WebGPU backend's pool), or null. */
export function backendPeakBytes(backend: Backend): number | null {
  if (!('peakBytes' in backend)) return null;
  const value: unknown = backend.peakBytes;
  if (typeof value === 'number') return value;
  if (typeof value === 'function') {
    const result: unknown = value.call(backend);
    return typeof result === 'number' ? result : null;
  }
  return null;
}

function resetPeakBytes(backend: Backend): void {
  if ('resetPeakBytes' in backend && typeof backend.resetPeakBytes === 'function') backend.resetPeakBytes();
}

/** The options of {@link runMethod}. */
export interface RunMethodOptions {
  inputs: FloatArray;
  initialState: FloatArray;
  batch: number;
  method: Method;
  backend: Backend;
  maxIterations: number;
  tolerance?: number;
  lambda?: number;
  stopping?: StoppingRule;
  /**
   * Run between the upload and the solve (raising the GPU's clocks); resolves to its seconds, which the
   * returned `seconds` leaves out.
   */
  beforeSolve?: () => Promise<number>;
}

/**
 * Runs `evaluate` once and times it (wall clock around the call, which includes reading the states back),
 * phase by phase through {@link phaseTimedBackend} (the primitives are forwarded unchanged), with the peak memory the backend reports (WebGPU) or the growth of ArrayBuffer memory (CPU).
 */
export async function runMethod(cell: Cell, options: RunMethodOptions): Promise<MethodRun> {
  const { backend } = options;
  resetPeakBytes(backend);
  const heldBefore = backendAllocatedBytes(backend);
  // Two collections with a pause between: V8 frees ArrayBuffer backing stores in a sweeper that may finish
  // after gc() returns, which would otherwise lower the count during the measured call.
  collectGarbage();
  await new Promise((resolve) => setTimeout(resolve, 20));
  collectGarbage();
  const before = process.memoryUsage().arrayBuffers;
  let highWater = before;
  const sample = () => {
    const now = process.memoryUsage().arrayBuffers;
    if (now > highWater) highWater = now;
    return 0;
  };
  const onCpu = backend.name === 'cpu';
  // ELK_TIMELINE=1: each row keeps when every primitive and read ran (see EvaluatePhases.timeline).
  const timed = phaseTimedBackend(backend, options.beforeSolve, {
    timeline: process.env.ELK_TIMELINE === '1',
  });
  const started = performance.now();
  const result = await evaluate(cell, {
    inputs: options.inputs,
    initialState: options.initialState,
    batch: options.batch,
    method: options.method,
    backend: timed.backend,
    maxIterations: options.maxIterations,
    ...(options.tolerance === undefined ? {} : { tolerance: options.tolerance }),
    ...(options.lambda === undefined ? {} : { lambda: options.lambda }),
    ...(options.stopping === undefined ? {} : { stopping: options.stopping }),
    ...(onCpu && options.method !== 'sequential' ? { trace: sample } : {}),
  });
  const warmUp = timed.phases(0).warmUpSeconds;
  const seconds = (performance.now() - started) / 1000 - warmUp;
  sample();
  const grown = highWater - before;
  const peak = backendPeakBytes(backend);
  return {
    states: result.states,
    seconds,
    iterations: result.iterations,
    converged: result.converged,
    stopReasons: [...result.perSequence.stopReason],
    peakBytes: peak ?? (onCpu ? Math.max(0, grown) : null),
    memorySource: peak !== null ? 'backend' : onCpu ? 'arrayBuffers' : 'none',
    peakAboveHeldBytes: peak !== null && heldBefore !== null ? peak - heldBefore : null,
    // phases() takes the wall clock with the warm-up and leaves it out itself.
    phases: timed.phases(seconds + warmUp),
  };
}
