/** Test helpers of @elk/webgpu. */

/** A deterministic pseudo-random f32 array in [low, high) (mulberry32). */
export function randomArray(length: number, seed: number, low: number, high: number): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(length);
  for (let index = 0; index < length; index++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const unit = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[index] = low + (high - low) * unit;
  }
  return out;
}

/** max |actual − expected| / max(1, |expected|) over all entries; Infinity on a length mismatch or NaN. */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let index = 0; index < actual.length; index++) {
    const x = actual[index] as number;
    const y = expected[index] as number;
    const error = Math.abs(x - y) / Math.max(1, Math.abs(y));
    if (!(error <= worst)) worst = Number.isNaN(error) ? Number.POSITIVE_INFINITY : error;
  }
  return worst;
}

import type { Session } from '@elk/solvers';
import { expect } from 'vitest';
import { createWebGpuBackend, type WebGpuBackend, type WebGpuBackendOptions } from '../src/index.ts';

let shared: Promise<GPUDevice> | undefined;

/**
 * A backend on this test process's own device. `describeWebGpu` decides whether the suite runs; the device
 * comes from `createWebGpuBackend`, which keeps dawn.node's GPU instance referenced (a collected instance
 * aborts the process).
 */
export async function testBackend(
  options: Omit<WebGpuBackendOptions, 'device'> = {},
): Promise<WebGpuBackend> {
  shared ??= createWebGpuBackend().then((backend) => backend.device);
  return createWebGpuBackend({ ...options, device: await shared });
}

/** What {@link watchDispatches} saw. */
export interface DispatchWatch {
  /** Dispatches recorded through the context since the watch began. */
  count: number;
  /** Their pipelines' labels. */
  readonly labels: Set<string>;
  /** Stops watching. */
  restore(): void;
}

/**
 * Watches the dispatches `session`'s context records (every session of its backend): counts them and keeps
 * their pipelines' labels; with `failOn`, a dispatch whose pipeline label starts with it throws
 * `injected failure` instead of recording.
 */
export function watchDispatches(session: object, failOn?: string): DispatchWatch {
  const context = (session as { context: { dispatch: (...args: unknown[]) => void } }).context;
  const original = context.dispatch;
  const watch: DispatchWatch = {
    count: 0,
    labels: new Set<string>(),
    restore: () => {
      context.dispatch = original;
    },
  };
  context.dispatch = function (this: unknown, ...args: unknown[]) {
    const label = (args[1] as GPUComputePipeline).label;
    watch.count++;
    watch.labels.add(label);
    if (failOn !== undefined && label.startsWith(failOn)) throw new Error('injected failure');
    return original.apply(this, args);
  };
  return watch;
}

/** The label of `update`'s element pass apart from the scan at state size D (a vec4 kernel where 4 divides D). */
export function updateDirectLabel(D: number): string {
  return D % 4 === 0 ? `session/update-direct/${D}/vec4` : `session/update-direct/${D}`;
}

/**
 * Expects two sessions of one problem to agree: status, history (steps, merits, magnitudes) and the state
 * slots `slots` (relative error below 1e-4).
 */
export async function compareSessions(
  gpuSession: Session,
  cpuSession: Session,
  where: string,
  slots: readonly ('iterate' | 'candidate')[] = ['iterate', 'candidate'],
): Promise<void> {
  const [gpuStatus, cpuStatus] = await Promise.all([gpuSession.readStatus(), cpuSession.readStatus()]);
  expect(gpuStatus.iteration, where).toBe(cpuStatus.iteration);
  expect(Array.from(gpuStatus.active), where).toEqual(Array.from(cpuStatus.active));
  expect(Array.from(gpuStatus.toleranceMet), where).toEqual(Array.from(cpuStatus.toleranceMet));
  expect(Array.from(gpuStatus.iterations), where).toEqual(Array.from(cpuStatus.iterations));
  expect(Array.from(gpuStatus.history.count), where).toEqual(Array.from(cpuStatus.history.count));
  expect(Array.from(gpuStatus.history.flags), where).toEqual(Array.from(cpuStatus.history.flags));
  // λ is f32 on the GPU.
  expect(maxRelativeError(gpuStatus.lambda, cpuStatus.lambda), where).toBeLessThan(1e-6);
  const capacity = cpuStatus.history.capacity;
  for (let b = 0; b < cpuStatus.active.length; b++) {
    for (let j = 0; j < (cpuStatus.history.count[b] ?? 0); j++) {
      const at = b * capacity + j;
      const expected = cpuStatus.history.magnitude[at] ?? Number.NaN;
      expect(Math.abs((gpuStatus.history.magnitude[at] ?? Number.NaN) - expected), where).toBeLessThan(
        1e-4 * Math.max(1, expected),
      );
      const step = cpuStatus.history.step[at] ?? Number.NaN;
      expect(Math.abs((gpuStatus.history.step[at] ?? Number.NaN) - step), where).toBeLessThan(1e-4);
      const merit = cpuStatus.history.merit[at] ?? Number.NaN;
      const gpuMerit = gpuStatus.history.merit[at] ?? Number.NaN;
      if (Number.isFinite(merit)) expect(Math.abs(gpuMerit - merit), where).toBeLessThan(1e-4);
      else expect(gpuMerit, where).toBe(merit);
    }
  }
  for (const slot of slots) {
    const [gpuStates, cpuStates] = await Promise.all([
      gpuSession.readStates(slot),
      cpuSession.readStates(slot),
    ]);
    expect(maxRelativeError(gpuStates, cpuStates), `${where} ${slot}`).toBeLessThan(1e-4);
  }
}
