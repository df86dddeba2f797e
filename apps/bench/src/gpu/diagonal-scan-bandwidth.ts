import { gru } from '@elk/cells';
import { median } from '../analysis/timing.ts';
import type { BenchBackend } from '../cli/run-context.ts';

/** The timing of the WebGPU backend's diagonal affine scan at one size. */
export interface GpuScanTiming {
  /** How it was timed: resident buffers in a session, or the backend's standalone scan with transfers. */
  variant: 'session (resident)' | 'standalone (with upload + read-back)';
  batch: number;
  length: number;
  dim: number;
  elements: number;
  seconds: number;
  /** a and b read, x written, 4 bytes each. */
  bytesPerSecond: number;
}

const BATCH = 16;

/**
 * Times the WebGPU backend's forward diagonal scan x_t = a_t ⊙ x_{t−1} + b_t on resident f32 buffers: a
 * session (batch 16, D = 1) is linearised once, then `solveAffine('diagonal')` — the scan quasi-DEER runs
 * each iteration — is enqueued `runs` times and timed to the status read that follows. One warm-up batch.
 */
export async function measureSessionDiagonalScan(
  backend: BenchBackend,
  elements: number,
  repeats: number,
): Promise<GpuScanTiming> {
  const length = Math.max(1, Math.floor(elements / BATCH));
  const cell = gru({ hidden: 1, input: 1, seed: 0 });
  const inputs = new Float32Array(BATCH * length);
  for (let i = 0; i < inputs.length; i++) inputs[i] = Math.sin(i);
  const session = await backend.solver.createSession({
    cell,
    batch: BATCH,
    length,
    inputs,
    initialState: new Float32Array(BATCH),
  });
  try {
    session.linearize('diagonal');
    const runs = Math.max(1, Math.min(50, Math.round(2e9 / (BATCH * length * 12))));
    const batch = async () => {
      const started = performance.now();
      for (let i = 0; i < runs; i++) session.solveAffine('diagonal');
      await session.readStatus();
      return (performance.now() - started) / 1000 / runs;
    };
    await batch();
    const samples: number[] = [];
    for (let i = 0; i < repeats; i++) samples.push(await batch());
    const seconds = median(samples);
    const count = BATCH * length;
    return {
      variant: 'session (resident)',
      batch: BATCH,
      length,
      dim: 1,
      elements: count,
      seconds,
      bytesPerSecond: (count * 12) / seconds,
    };
  } finally {
    session.destroy();
  }
}

interface StandaloneScan {
  scanAffineDiagonal(options: {
    a: Float32Array;
    b: Float32Array;
    batch: number;
    length: number;
    dim: number;
    reverse?: boolean;
  }): Promise<Float32Array>;
}

function hasStandaloneScan(value: object): value is StandaloneScan {
  return 'scanAffineDiagonal' in value && typeof value.scanAffineDiagonal === 'function';
}

/**
 * Times the backend's standalone `scanAffineDiagonal` (forward or reverse), which uploads a and b and
 * reads x back: an end-to-end figure bounded by host transfers, not the kernel. Null when the backend
 * has no standalone scan.
 */
export async function measureStandaloneDiagonalScan(
  backend: BenchBackend,
  elements: number,
  reverse: boolean,
  repeats: number,
): Promise<GpuScanTiming | null> {
  const solver = backend.solver;
  if (!hasStandaloneScan(solver)) return null;
  const length = Math.max(1, Math.floor(elements / BATCH));
  const count = BATCH * length;
  const a = new Float32Array(count).fill(0.5);
  const b = new Float32Array(count).fill(1);
  const run = () => solver.scanAffineDiagonal({ a, b, batch: BATCH, length, dim: 1, reverse });
  await run();
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    await run();
    samples.push((performance.now() - started) / 1000);
  }
  const seconds = median(samples);
  return {
    variant: 'standalone (with upload + read-back)',
    batch: BATCH,
    length,
    dim: 1,
    elements: count,
    seconds,
    bytesPerSecond: (count * 12) / seconds,
  };
}
