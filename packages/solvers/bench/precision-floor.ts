/**
 * Precision-aware stopping, measured (issue 9, CPU): a flax-initialised GRU (the `gru` cell's default init),
 * B sequences of length T, state size D, random normal inputs of size D. For each (method, D):
 * the f64 iteration count (reference rule, tolerance 1e-7), then f32 runs with the precision-aware rule
 * (plain and compensated diagonal scan) and with the reference rule (tolerance 1e-4, capped), each with its
 * max |error| against the f64 sequential answer, beside the f32 sequential evaluation's error (the honest floor).
 *
 * Run: `pnpm --filter @elk/solvers bench` (defaults: B = 16, T = 30 000, D ∈ {8, 16, 32, 64}, quasi-DEER at
 * every D and DEER at D ≤ 16). Options: `--batch 4 --length 10000 --dims 8,16 --methods quasi-deer,deer
 * --reference-cap 40 --jobs 2 --split 4 --json results.json` (`--split k`: each variant's batch in k worker
 * processes, merged; the same sequences either way). Each (method, D, variant) runs in its own worker process.
 *
 * @module
 */

import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRandom, gru } from '@elk/cells';
import { createCpuBackend, type EvaluateResult, evaluate, type Method } from '../src/index.ts';

type Variant = 'f64' | 'f32' | 'f32-compensated' | 'f32-reference';

const variantLabels: Record<Variant, (cap: number) => string> = {
  f64: () => 'f64 reference (tol 1e-7)',
  f32: () => 'f32 precision-aware',
  'f32-compensated': () => 'f32 precision-aware, compensated scan',
  'f32-reference': (cap) => `f32 reference (tol 1e-4, cap ${cap})`,
};

interface Case {
  readonly method: Method;
  readonly dim: number;
  readonly variant: Variant;
  readonly batch: number;
  readonly length: number;
  readonly referenceCap: number;
  readonly seed: number;
  /** This worker evaluates sequences [part·B/parts, (part + 1)·B/parts) of the batch. */
  readonly part: number;
  readonly parts: number;
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
  readonly sequentialError32: number;
  readonly seconds: number;
  readonly perSequence: number[];
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

/** One variant of one (method, D): its own f64 and f32 sequential references, then the timed run. */
async function runCase(spec: Case): Promise<Row> {
  const { dim: D, length: T, method } = spec;
  const cell = gru({ hidden: D, input: D });
  const random = createRandom(spec.seed);
  const all = new Float64Array(spec.batch * T * D);
  for (let i = 0; i < all.length; i++) all[i] = random.normal();
  // The same batch whichever way it is split: this part's sequences only.
  const B = spec.batch / spec.parts;
  const inputs64 = all.slice(spec.part * B * T * D, (spec.part + 1) * B * T * D);
  const inputs32 = Float32Array.from(inputs64);
  const initial64 = new Float64Array(B * D);
  const initial32 = new Float32Array(B * D);
  const truth = (await evaluate(cell, { inputs: inputs64, initialState: initial64, method: 'sequential' }))
    .states;
  const sequential32 = await evaluate(cell, {
    inputs: inputs32,
    initialState: initial32,
    method: 'sequential',
  });
  const sequentialError32 = maxAbsDifference(sequential32.states, truth);
  const run = (): Promise<EvaluateResult> => {
    switch (spec.variant) {
      case 'f64':
        return evaluate(cell, { inputs: inputs64, initialState: initial64, method });
      case 'f32':
        return evaluate(cell, { inputs: inputs32, initialState: initial32, method });
      case 'f32-compensated':
        return evaluate(cell, {
          inputs: inputs32,
          initialState: initial32,
          method,
          backend: createCpuBackend({ diagonalScan: 'compensated' }),
        });
      case 'f32-reference':
        return evaluate(cell, {
          inputs: inputs32,
          initialState: initial32,
          method,
          stopping: 'reference',
          maxIterations: spec.referenceCap,
        });
    }
  };
  const start = performance.now();
  const result = await run();
  const seconds = (performance.now() - start) / 1000;
  return {
    method,
    dim: D,
    variant: variantLabels[spec.variant](spec.referenceCap),
    iterations: result.iterations,
    iterationsPerSequence: summarise(result.perSequence.iterations),
    stopReasons: [...new Set(result.perSequence.stopReason)].join('/'),
    floor: Math.max(...result.perSequence.floor),
    error: maxAbsDifference(result.states, truth),
    sequentialError32,
    seconds,
    perSequence: result.perSequence.iterations,
  };
}

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--worker') {
    const spec = JSON.parse(process.argv[3] ?? '{}') as Case;
    process.send?.(await runCase(spec));
    return;
  }
  const batch = Number(option('batch', '16'));
  const length = Number(option('length', '30000'));
  const dims = option('dims', '8,16,32,64').split(',').map(Number);
  const methods = option('methods', 'quasi-deer,deer').split(',') as Method[];
  const referenceCap = Number(option('reference-cap', '40'));
  const jobs = Number(option('jobs', '2'));
  const parts = Number(option('split', '1'));
  if (!Number.isInteger(batch / parts)) throw new Error('--split must divide --batch');
  const json = option('json', '');
  const cases: Case[] = [];
  for (const method of methods) {
    for (const dim of dims) {
      if (method === 'deer' && dim > 16) continue;
      const variants: Variant[] = ['f64', 'f32', 'f32-reference'];
      if (method === 'quasi-deer') variants.push('f32-compensated');
      for (const variant of variants) {
        for (let part = 0; part < parts; part++) {
          cases.push({ method, dim, variant, batch, length, referenceCap, seed: 1, part, parts });
        }
      }
    }
  }
  // Largest first, so the longest workers start early.
  cases.sort((x, y) => y.dim * (y.method === 'deer' ? y.dim : 1) - x.dim * (x.method === 'deer' ? x.dim : 1));
  const script = fileURLToPath(import.meta.url);
  const pieces: Row[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const spec = cases[next++];
      if (spec === undefined) return;
      const result = await new Promise<Row>((resolve, reject) => {
        const child = fork(script, ['--worker', JSON.stringify(spec)], { execArgv: process.execArgv });
        child.once('message', (message) => resolve(message as Row));
        child.once('error', reject);
        child.once('exit', (code) => {
          if (code !== 0) reject(new Error(`worker for ${spec.method} D=${spec.dim} exited with ${code}`));
        });
      });
      pieces.push(result);
      console.error(`done: ${JSON.stringify(result)}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  // Merge the parts of each (method, D, variant): the batch's maximum, every sequence's count.
  const merged = new Map<string, Row>();
  for (const piece of pieces) {
    const key = `${piece.method} ${piece.dim} ${piece.variant}`;
    const seen = merged.get(key);
    if (seen === undefined) {
      merged.set(key, piece);
      continue;
    }
    const perSequence = [...seen.perSequence, ...piece.perSequence];
    const reasons = new Set([...seen.stopReasons.split('/'), ...piece.stopReasons.split('/')]);
    merged.set(key, {
      ...seen,
      iterations: Math.max(seen.iterations, piece.iterations),
      iterationsPerSequence: summarise(perSequence),
      stopReasons: [...reasons].join('/'),
      floor: Math.max(seen.floor, piece.floor),
      error: Math.max(seen.error, piece.error),
      sequentialError32: Math.max(seen.sequentialError32, piece.sequentialError32),
      seconds: Math.max(seen.seconds, piece.seconds),
      perSequence,
    });
  }
  const results = [...merged.values()];
  const order = Object.values(variantLabels).map((label) => label(referenceCap));
  results.sort(
    (x, y) =>
      x.method.localeCompare(y.method) ||
      x.dim - y.dim ||
      order.indexOf(x.variant) - order.indexOf(y.variant),
  );
  console.log(`GRU (flax init), B = ${batch}, T = ${length}; error = max |s − s_sequential,f64|`);
  console.log(
    'method        D  variant                                    iters    per-seq  stop                floor      error  vs f32 seq      time',
  );
  for (const row of results) {
    console.log(
      [
        row.method.padEnd(10),
        String(row.dim).padStart(3),
        row.variant.padEnd(40),
        String(row.iterations).padStart(6),
        row.iterationsPerSequence.padStart(9),
        row.stopReasons.padEnd(18),
        row.floor.toExponential(1).padStart(8),
        row.error.toExponential(2).padStart(9),
        `${(row.error / row.sequentialError32).toFixed(2)}×`.padStart(10),
        `${row.seconds.toFixed(1)} s`.padStart(9),
      ].join('  '),
    );
  }
  const errors = new Map(results.map((row) => [`${row.method} ${row.dim}`, row.sequentialError32]));
  for (const [key, error] of errors) console.log(`f32 sequential error, ${key}: ${error.toExponential(2)}`);
  if (json !== '')
    writeFileSync(json, JSON.stringify({ batch, length, referenceCap, rows: results }, null, 2));
}

await main();
