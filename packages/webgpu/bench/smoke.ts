/**
 * Smoke measurement of the WebGPU backend on whatever adapter is found: copy and diagonal-scan bandwidth, and
 * flax-GRU evaluation (B = 16, f32, tolerance 1e-4): sequential and quasi-DEER, total time, iterations, time
 * per iteration, peak bytes, max |difference| from the sequential result. Prints a table; writes JSON to
 * `$OUT/webgpu-smoke.json` when OUT is set.
 *
 * Run: `pnpm --filter @elk/webgpu smoke` (or the esbuild bundle with node on the GPU machine).
 */

import { writeFileSync } from 'node:fs';
import { gru } from '@elk/cells';
import { evaluate } from '@elk/solvers';
import { createWebGpuBackend } from '../src/index.ts';

function normals(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++)
    out[i] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return out;
}

const argument = (name: string, fallback: string) => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
};
const dims = argument('dims', '8,16').split(',').map(Number);
const lengths = argument('lengths', '30000,1000000').split(',').map(Number);
const methods = argument('methods', 'quasi-deer').split(',');
const batch = Number(argument('batch', '16'));
const maxIterations = Number(argument('max-iterations', '2000'));
const scanElements = Number(argument('scan-elements', '100000000'));

const backend = await createWebGpuBackend({ dawnOptions: ['disable-dawn-features=timestamp_quantization'] });
const rows: Record<string, unknown>[] = [];
console.log(`adapter: ${backend.capabilities.adapter}`, JSON.stringify(backend.capabilities));
const copy = await backend.copyBandwidth({ bytes: 1 << 30, repetitions: 10 });
console.log(`copy: ${(copy.bytesPerSecond / 1e12).toFixed(3)} TB/s (${copy.measurement.method})`);
const scans: Record<string, unknown>[] = [];
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
backend.trim();
for (const D of dims) {
  for (const T of lengths) {
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
    let started = performance.now();
    const sequential = await evaluate(cell, { ...base, method: 'sequential', backend });
    const sequentialMs = performance.now() - started;
    started = performance.now();
    const again = await evaluate(cell, { ...base, method: 'sequential', backend });
    const sequentialWarmMs = performance.now() - started;
    rows.push({
      D,
      T,
      method: 'sequential',
      ms: Math.min(sequentialMs, sequentialWarmMs),
      iterations: 1,
      peakBytes: backend.peakBytes,
    });
    console.log(
      `D=${D} T=${T} sequential ${sequentialWarmMs.toFixed(1)} ms (first ${sequentialMs.toFixed(1)}), ${again.states.length}`,
    );
    for (const method of methods) {
      backend.resetPeakBytes();
      await evaluate(cell, { ...base, method: method as 'quasi-deer', backend, maxIterations: 2 });
      started = performance.now();
      const result = await evaluate(cell, { ...base, method: method as 'quasi-deer', backend });
      const ms = performance.now() - started;
      let difference = 0;
      for (let i = 0; i < result.states.length; i++) {
        difference = Math.max(difference, Math.abs((result.states[i] ?? 0) - (sequential.states[i] ?? 0)));
      }
      const row = {
        D,
        T,
        method,
        ms,
        iterations: result.iterations,
        msPerIteration: ms / result.iterations,
        converged: result.converged,
        peakBytes: backend.peakBytes,
        maxDifference: difference,
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
      { capabilities: backend.capabilities, copy: { tbps: copy.bytesPerSecond / 1e12 }, scans, rows },
      null,
      2,
    ),
  );
backend.destroy();
