/**
 * Precision-aware stopping on WebGPU, measured (issue 9's acceptance on the WebGPU backend): a flax-initialised
 * GRU (the `gru` cell's default init, the weights of `precision-floor.ts`), B sequences of length T, state size
 * D, inputs N(0, 1) of size D drawn with seed 1 (the same as the CPU measurement). For each D: the f64
 * sequential answer and the f64 iteration count of each method on the CPU backend (reference rule, tolerance
 * 1e-7), the f32 sequential evaluation on the CPU and on WebGPU (their errors against the f64 answer are the
 * honest f32 floor), and the f32 precision-aware run on WebGPU (its default `checkEvery`, or `--check-every`).
 *
 * Run: `pnpm --filter @elk/solvers bench:webgpu` (defaults: B = 16, T = 30 000, D ∈ {8, 16, 32, 64},
 * quasi-DEER at every D, DEER at D ≤ 16). Options: `--batch 16 --length 30000 --dims 8,16 --methods
 * quasi-deer,deer --batch-for 64:4,32:8 --check-every 8 --json out.json`. `@elk/webgpu` is loaded from the
 * workspace's source at run time (a dependency on it would make a cycle: it depends on this package).
 *
 * @module
 */

import { writeFileSync } from 'node:fs';
import { createRandom, gru } from '@elk/cells';
import { type Backend, createCpuBackend, evaluate, type Method } from '../src/index.ts';

interface Row {
  readonly method: Method;
  readonly dim: number;
  readonly batch: number;
  readonly f64Iterations: number;
  readonly iterations: number;
  readonly iterationsPerSequence: string;
  readonly stopReasons: string;
  readonly floor: number;
  readonly error: number;
  readonly sequentialErrorCpu32: number;
  readonly sequentialErrorWebGpu32: number;
  readonly checkEvery: number;
  readonly seconds: number;
  readonly f64Seconds: number;
}

type CreateBackend = (options?: { checkEvery?: number }) => Promise<Backend>;

function isCreateBackend(value: unknown): value is CreateBackend {
  return typeof value === 'function';
}

/** `createWebGpuBackend` from the workspace's `@elk/webgpu` source. */
async function loadWebGpu(): Promise<CreateBackend> {
  const url = new URL('../../webgpu/src/index.ts', import.meta.url).href;
  const loaded: unknown = await import(url);
  const create: unknown =
    typeof loaded === 'object' && loaded !== null ? Reflect.get(loaded, 'createWebGpuBackend') : undefined;
  if (!isCreateBackend(create)) throw new Error(`${url} exports no createWebGpuBackend`);
  return create;
}

function maxAbsDifference(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let maximum = 0;
  for (let i = 0; i < x.length; i++) {
    const difference = Math.abs((x[i] as number) - (y[i] as number));
    if (!(difference <= maximum)) maximum = difference;
  }
  return maximum;
}

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

async function main(): Promise<void> {
  const fullBatch = Number(option('batch', '16'));
  const length = Number(option('length', '30000'));
  const dims = option('dims', '8,16,32,64').split(',').map(Number);
  const methods = option('methods', 'quasi-deer,deer').split(',') as Method[];
  const batchFor = new Map(
    option('batch-for', '')
      .split(',')
      .filter((pair) => pair !== '')
      .map((pair) => pair.split(':').map(Number) as [number, number]),
  );
  const checkEveryOption = option('check-every', '');
  const json = option('json', '');
  const createWebGpuBackend = await loadWebGpu();
  const webgpu = await createWebGpuBackend(
    checkEveryOption === '' ? {} : { checkEvery: Number(checkEveryOption) },
  );
  const cpu = createCpuBackend();
  const rows: Row[] = [];
  try {
    for (const D of dims) {
      const T = length;
      // The first B sequences of the CPU measurement's batch (the same draws).
      const random = createRandom(1);
      const all = new Float64Array(fullBatch * T * D);
      for (let i = 0; i < all.length; i++) all[i] = random.normal();
      const B = batchFor.get(D) ?? fullBatch;
      const cell = gru({ hidden: D, input: D });
      const inputs64 = all.slice(0, B * T * D);
      const inputs32 = Float32Array.from(inputs64);
      const initial64 = new Float64Array(B * D);
      const initial32 = new Float32Array(B * D);
      const truth = (
        await evaluate(cell, {
          inputs: inputs64,
          initialState: initial64,
          method: 'sequential',
          backend: cpu,
        })
      ).states;
      const cpu32 = await evaluate(cell, {
        inputs: inputs32,
        initialState: initial32,
        method: 'sequential',
        backend: cpu,
      });
      const gpu32 = await evaluate(cell, {
        inputs: inputs32,
        initialState: initial32,
        method: 'sequential',
        backend: webgpu,
      });
      const sequentialErrorCpu32 = maxAbsDifference(cpu32.states, truth);
      const sequentialErrorWebGpu32 = maxAbsDifference(gpu32.states, truth);
      for (const method of methods) {
        if (method === 'deer' && D > 16) continue;
        const f64Start = performance.now();
        const f64 = await evaluate(cell, { inputs: inputs64, initialState: initial64, method, backend: cpu });
        const f64Seconds = (performance.now() - f64Start) / 1000;
        const start = performance.now();
        const result = await evaluate(cell, {
          inputs: inputs32,
          initialState: initial32,
          method,
          backend: webgpu,
        });
        const seconds = (performance.now() - start) / 1000;
        const row: Row = {
          method,
          dim: D,
          batch: B,
          f64Iterations: f64.iterations,
          iterations: result.iterations,
          iterationsPerSequence: `${Math.min(...result.perSequence.iterations)}–${Math.max(...result.perSequence.iterations)}`,
          stopReasons: [...new Set(result.perSequence.stopReason)].join('/'),
          floor: Math.max(...result.perSequence.floor),
          error: maxAbsDifference(result.states, truth),
          sequentialErrorCpu32,
          sequentialErrorWebGpu32,
          checkEvery: webgpu.checkEvery ?? 1,
          seconds,
          f64Seconds,
        };
        rows.push(row);
        console.error(`done: ${JSON.stringify(row)}`);
        if (json !== '') writeFileSync(json, JSON.stringify({ length, rows }, null, 2));
      }
    }
  } finally {
    webgpu.destroy();
    cpu.destroy();
  }
  console.log(
    `GRU (flax init), T = ${length}, f32 on WebGPU (precision-aware rule); error = max |s − s_sequential,f64|`,
  );
  console.log(
    'method       D   B  f64 it  f32 it  per-seq  stop       floor     error  seq err CPU  seq err GPU  error/seq   k    time',
  );
  for (const row of rows) {
    const honest = Math.min(row.sequentialErrorCpu32, row.sequentialErrorWebGpu32);
    console.log(
      [
        row.method.padEnd(10),
        String(row.dim).padStart(3),
        String(row.batch).padStart(3),
        String(row.f64Iterations).padStart(6),
        String(row.iterations).padStart(6),
        row.iterationsPerSequence.padStart(7),
        row.stopReasons.padEnd(9),
        row.floor.toExponential(1).padStart(8),
        row.error.toExponential(2).padStart(9),
        row.sequentialErrorCpu32.toExponential(2).padStart(11),
        row.sequentialErrorWebGpu32.toExponential(2).padStart(11),
        `${(row.error / honest).toFixed(2)}×`.padStart(9),
        String(row.checkEvery).padStart(3),
        `${row.seconds.toFixed(1)} s`.padStart(8),
      ].join('  '),
    );
  }
  if (json !== '') writeFileSync(json, JSON.stringify({ length, rows }, null, 2));
}

await main();
