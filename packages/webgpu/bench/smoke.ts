/**
 * Smoke measurement of the WebGPU backend on whatever adapter is found: copy and diagonal-scan bandwidth, and
 * flax-GRU evaluation (B = 16, f32, tolerance 1e-4): sequential and quasi-DEER, total time, iterations, time
 * per iteration, peak bytes, max |difference| from the sequential result. Prints a table; writes JSON to
 * `$OUT/webgpu-smoke.json` when OUT is set.
 *
 * Run: `pnpm --filter @elk/webgpu smoke` (or the esbuild bundle with node on the GPU machine).
 * Kernel variants: `--linearize per-element|tiled` and `--sequential per-sequence|row-parallel` (the
 * backend's `linearizeKernel` and `sequentialKernel`; defaults: the backend's defaults). Each row records
 * the kernels it ran with.
 */

import { writeFileSync } from 'node:fs';
import { gru } from '@elk/cells';
import { evaluate } from '@elk/solvers';
import {
  createWebGpuBackend,
  type LinearizeKernel,
  type SequentialKernel,
  webGpuDefaults,
} from '../src/index.ts';
import { argument, gridArgument, normals } from './support.ts';

/** `D:T` pairs of the GRU grid. */
const grid = gridArgument('grid', '8:30000,8:1000000,16:30000,16:1000000');
const methods = argument('methods', 'quasi-deer').split(',');
const batch = Number(argument('batch', '16'));
const maxIterations = Number(argument('max-iterations', '2000'));
const scanSizes = argument('scan-elements', '100000000').split(',').map(Number);
const sequentialMaxLength = Number(argument('sequential-max-length', '100000'));
const iterationsTimed = 20;
const linearizeKernel = argument('linearize', webGpuDefaults.linearizeKernel);
const sequentialKernel = argument('sequential', webGpuDefaults.sequentialKernel);
if (linearizeKernel !== 'per-element' && linearizeKernel !== 'tiled') {
  throw new Error(`--linearize: expected per-element or tiled, got ${linearizeKernel}`);
}
if (sequentialKernel !== 'per-sequence' && sequentialKernel !== 'row-parallel') {
  throw new Error(`--sequential: expected per-sequence or row-parallel, got ${sequentialKernel}`);
}
const kernels: { linearizeKernel: LinearizeKernel; sequentialKernel: SequentialKernel } = {
  linearizeKernel,
  sequentialKernel,
};

/** GPU time per iteration on a resident session (no transfers): `iterationsTimed` iterations, one status read. */
async function timeIterations(
  target: typeof backend,
  cell: ReturnType<typeof gru>,
  inputs: Float32Array,
  T: number,
  method: string,
): Promise<number> {
  const session = await target.createSession({
    cell,
    batch,
    length: T,
    inputs,
    initialState: new Float32Array(batch * cell.stateSize),
  });
  const step = () => {
    if (method === 'quasi-elk') {
      session.linearize('diagonal');
      session.solveKalman({ mode: 'diagonal', estimator: 'smoother', lambda: 0.01 });
    } else {
      session.linearize('diagonal');
      session.solveAffine('diagonal');
    }
    session.update({ tolerance: 0, criterion: 'step', reset: true });
  };
  step();
  step();
  await session.readStatus();
  const started = performance.now();
  for (let i = 0; i < iterationsTimed; i++) step();
  await session.readStatus();
  const ms = (performance.now() - started) / iterationsTimed;
  session.destroy();
  return ms;
}

const backend = await createWebGpuBackend({
  dawnOptions: ['disable-dawn-features=timestamp_quantization'],
  ...kernels,
});
const unfused = await createWebGpuBackend({ device: backend.device, fusion: false, ...kernels });
const rolled = await createWebGpuBackend({ device: backend.device, unroll: false, ...kernels });
const rows: Record<string, unknown>[] = [];
console.log(`adapter: ${backend.capabilities.adapter}`, JSON.stringify(backend.capabilities));
const copy = await backend.copyBandwidth({ bytes: 1 << 30, repetitions: 10 });
console.log(`copy: ${(copy.bytesPerSecond / 1e12).toFixed(3)} TB/s (${copy.measurement.method})`);
const scans: Record<string, unknown>[] = [];
for (const scanElements of scanSizes) {
  for (const reverse of [false, true]) {
    const scan = await backend.diagonalScanBandwidth({
      batch: 16,
      length: Math.floor(scanElements / 16 / 64),
      dim: 64,
      reverse,
      repetitions: 10,
    });
    scans.push({
      reverse,
      elements: scan.elements,
      ms: scan.measurement.medianMs,
      tbps: scan.bytesPerSecond / 1e12,
    });
    console.log(
      `scan ${reverse ? 'reverse' : 'forward'} ${scan.elements}: ${(scan.bytesPerSecond / 1e12).toFixed(3)} TB/s = ${((100 * scan.bytesPerSecond) / copy.bytesPerSecond).toFixed(0)}% of copy`,
    );
  }
}
backend.trim();
for (const [D = 8, T = 30000] of grid) {
  {
    const cell = gru({ hidden: D, input: D, seed: 0 });
    const inputs = normals(batch * T * D, 1);
    const initialState = new Float32Array(batch * D);
    const base = {
      inputs,
      initialState,
      batch,
      length: T,
      tolerance: 1e-4,
      stopping: 'reference' as const,
      maxIterations,
    };
    backend.resetPeakBytes();
    let sequential: Awaited<ReturnType<typeof evaluate>> | undefined;
    if (T <= sequentialMaxLength) {
      const started = performance.now();
      sequential = await evaluate(cell, { ...base, method: 'sequential', backend });
      const ms = performance.now() - started;
      rows.push({ D, T, method: 'sequential', ms, iterations: 1, peakBytes: backend.peakBytes, ...kernels });
      console.log(`D=${D} T=${T} sequential ${ms.toFixed(1)} ms`);
    }
    for (const method of methods) {
      backend.resetPeakBytes();
      await evaluate(cell, { ...base, method: method as 'quasi-deer', backend, maxIterations: 2 });
      const started = performance.now();
      const result = await evaluate(cell, { ...base, method: method as 'quasi-deer', backend });
      const ms = performance.now() - started;
      let difference = Number.NaN;
      if (sequential) {
        difference = 0;
        for (let i = 0; i < result.states.length; i++) {
          difference = Math.max(difference, Math.abs((result.states[i] ?? 0) - (sequential.states[i] ?? 0)));
        }
      }
      const gpuMsPerIteration = await timeIterations(backend, cell, inputs, T, method);
      const unfusedMsPerIteration =
        method === 'quasi-deer' ? await timeIterations(unfused, cell, inputs, T, method) : Number.NaN;
      const rolledMsPerIteration =
        method === 'quasi-deer' ? await timeIterations(rolled, cell, inputs, T, method) : Number.NaN;
      const row = {
        D,
        T,
        method,
        ms,
        iterations: result.iterations,
        msPerIteration: ms / result.iterations,
        gpuMsPerIteration,
        unfusedMsPerIteration,
        rolledMsPerIteration,
        converged: result.converged,
        peakBytes: backend.peakBytes,
        maxDifference: difference,
        ...kernels,
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
    backend.trim();
  }
}
console.table(rows);
const out = process.env.OUT;
if (out)
  writeFileSync(
    `${out}/webgpu-smoke.json`,
    JSON.stringify(
      {
        capabilities: backend.capabilities,
        kernels,
        copy: { tbps: copy.bytesPerSecond / 1e12 },
        scans,
        rows,
      },
      null,
      2,
    ),
  );
backend.destroy();
