/**
 * Precision-aware stopping, measured (issue 9, CPU): a flax-initialised GRU (the `gru` cell's default init),
 * B sequences of length T, state size D, random normal inputs of size D. For each (method, D):
 * the f64 iteration count (reference rule, tolerance 1e-7), then f32 runs with the precision-aware rule
 * (plain and compensated diagonal scan) and with the reference rule (tolerance 1e-4, capped), each with its
 * max |error| against the f64 sequential answer, beside the f32 sequential evaluation's error (the honest floor).
 *
 * Run: `pnpm --filter @elk/solvers bench` (defaults: B = 16, T = 30 000, D ∈ {8, 16, 32, 64}, quasi-DEER at
 * every D and DEER at D ≤ 16). Options: `--batch 4 --length 10000 --dims 8,16 --methods quasi-deer,deer
 * --reference-cap 300 --jobs 2 --json results.json`. Each (method, D) runs in its own worker process.
 *
 * @module
 */

import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRandom, gru } from '@elk/cells';
import { createCpuBackend, type EvaluateResult, evaluate, type Method } from '../src/index.ts';

interface Case {
  readonly method: Method;
  readonly dim: number;
  readonly batch: number;
  readonly length: number;
  readonly referenceCap: number;
  readonly seed: number;
}

interface Row {
  readonly method: Method;
  readonly dim: number;
  readonly variant: string;
  readonly iterations: number;
  readonly iterationsPerSequence: string;
  readonly stopReasons: string;
  readonly floor: number;
  readonly error: number;
  readonly seconds: number;
}

interface CaseResult {
  readonly method: Method;
  readonly dim: number;
  readonly sequentialError32: number;
  readonly rows: Row[];
}

function maxAbsDifference(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let maximum = 0;
  for (let i = 0; i < x.length; i++)
    maximum = Math.max(maximum, Math.abs((x[i] as number) - (y[i] as number)));
  return maximum;
}

function summarise(values: number[]): string {
  return `${Math.min(...values)}–${Math.max(...values)}`;
}

async function runCase(spec: Case): Promise<CaseResult> {
  const { dim: D, batch: B, length: T } = spec;
  const cell = gru({ hidden: D, input: D });
  const random = createRandom(spec.seed);
  const inputs64 = new Float64Array(B * T * D);
  for (let i = 0; i < inputs64.length; i++) inputs64[i] = random.normal();
  const inputs32 = Float32Array.from(inputs64);
  const initial64 = new Float64Array(B * D);
  const initial32 = new Float32Array(B * D);
  const rows: Row[] = [];
  const timed = async (run: () => Promise<EvaluateResult>) => {
    const start = performance.now();
    const result = await run();
    return { result, seconds: (performance.now() - start) / 1000 };
  };
  const truth = (await evaluate(cell, { inputs: inputs64, initialState: initial64, method: 'sequential' }))
    .states;
  const sequential32 = await evaluate(cell, {
    inputs: inputs32,
    initialState: initial32,
    method: 'sequential',
  });
  const sequentialError32 = maxAbsDifference(sequential32.states, truth);
  const add = (variant: string, { result, seconds }: { result: EvaluateResult; seconds: number }) => {
    rows.push({
      method: spec.method,
      dim: D,
      variant,
      iterations: result.iterations,
      iterationsPerSequence: summarise(result.perSequence.iterations),
      stopReasons: [...new Set(result.perSequence.stopReason)].join('/'),
      floor: Math.max(...result.perSequence.floor),
      error: maxAbsDifference(result.states, truth),
      seconds,
    });
  };
  const f64 = await timed(() =>
    evaluate(cell, { inputs: inputs64, initialState: initial64, method: spec.method }),
  );
  add('f64 reference (tol 1e-7)', f64);
  add(
    'f32 precision-aware',
    await timed(() => evaluate(cell, { inputs: inputs32, initialState: initial32, method: spec.method })),
  );
  if (spec.method === 'quasi-deer') {
    const backend = createCpuBackend({ diagonalScan: 'compensated' });
    add(
      'f32 precision-aware, compensated scan',
      await timed(() =>
        evaluate(cell, { inputs: inputs32, initialState: initial32, method: spec.method, backend }),
      ),
    );
  }
  add(
    `f32 reference (tol 1e-4, cap ${spec.referenceCap})`,
    await timed(() =>
      evaluate(cell, {
        inputs: inputs32,
        initialState: initial32,
        method: spec.method,
        stopping: 'reference',
        maxIterations: spec.referenceCap,
      }),
    ),
  );
  return { method: spec.method, dim: D, sequentialError32, rows };
}

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--worker') {
    const spec = JSON.parse(process.argv[3] ?? '{}') as Case;
    const result = await runCase(spec);
    process.send?.(result);
    return;
  }
  const batch = Number(option('batch', '16'));
  const length = Number(option('length', '30000'));
  const dims = option('dims', '8,16,32,64').split(',').map(Number);
  const methods = option('methods', 'quasi-deer,deer').split(',') as Method[];
  const referenceCap = Number(option('reference-cap', '300'));
  const jobs = Number(option('jobs', '2'));
  const json = option('json', '');
  const cases: Case[] = [];
  for (const method of methods) {
    for (const dim of dims) {
      if (method === 'deer' && dim > 16) continue;
      cases.push({ method, dim, batch, length, referenceCap, seed: 1 });
    }
  }
  const script = fileURLToPath(import.meta.url);
  const results: CaseResult[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const spec = cases[next++];
      if (spec === undefined) return;
      const result = await new Promise<CaseResult>((resolve, reject) => {
        const child = fork(script, ['--worker', JSON.stringify(spec)], { execArgv: process.execArgv });
        child.once('message', (message) => resolve(message as CaseResult));
        child.once('error', reject);
        child.once('exit', (code) => {
          if (code !== 0) reject(new Error(`worker for ${spec.method} D=${spec.dim} exited with ${code}`));
        });
      });
      results.push(result);
      console.error(`done: ${spec.method} D=${spec.dim}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  results.sort((x, y) => x.method.localeCompare(y.method) || x.dim - y.dim);
  console.log(`GRU (flax init), B = ${batch}, T = ${length}; error = max |s − s_sequential,f64|`);
  console.log(
    'method      D  variant                                   iters  per-seq   stop              floor     error     vs f32 seq  time',
  );
  for (const result of results) {
    for (const row of result.rows) {
      console.log(
        [
          row.method.padEnd(10),
          String(row.dim).padStart(3),
          row.variant.padEnd(40),
          String(row.iterations).padStart(6),
          row.iterationsPerSequence.padStart(9),
          row.stopReasons.padEnd(16),
          row.floor.toExponential(1).padStart(8),
          row.error.toExponential(2).padStart(9),
          `${(row.error / result.sequentialError32).toFixed(2)}×`.padStart(10),
          `${row.seconds.toFixed(1)} s`.padStart(8),
        ].join('  '),
      );
    }
    console.log(`${''.padEnd(14)}f32 sequential error: ${result.sequentialError32.toExponential(2)}`);
  }
  if (json !== '') writeFileSync(json, JSON.stringify({ batch, length, results }, null, 2));
}

await main();
