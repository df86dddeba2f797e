/**
 * CPU timings of the diagonal-form Kalman filter and smoother on quasi-ELK-shaped problems [B, T, D]:
 * sequential vs parallel (typed-array scan), f64 and f32. Prints a table of medians and writes JSON.
 *
 * Run: `pnpm --filter @elk/kalman bench`, or `npx tsx packages/kalman/bench/diagonal-kalman.ts [--out results.json]`
 * from the repository root.
 */
import { writeFileSync } from 'node:fs';
import { elkModel, type FloatArray, kalmanFilter, kalmanSmoother } from '../src/index.ts';

const shapes = [
  { batch: 16, length: 30_000, dim: 8 },
  { batch: 16, length: 30_000, dim: 32 },
  { batch: 1, length: 100_000, dim: 16 },
];
const repeats = 5;

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function time(run: () => void): number {
  run();
  const samples: number[] = [];
  for (let k = 0; k < repeats; k++) {
    const start = performance.now();
    run();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

const rows: Record<string, number | string>[] = [];
for (const { batch, length, dim } of shapes) {
  for (const precision of ['f64', 'f32'] as const) {
    const make = (count: number, value: (k: number) => number): FloatArray =>
      precision === 'f32'
        ? Float32Array.from({ length: count }, (_, k) => value(k))
        : Float64Array.from({ length: count }, (_, k) => value(k));
    const size = batch * length * dim;
    const { model, observations } = elkModel({
      form: 'diagonal',
      batch,
      length,
      dim,
      a: make(size, (k) => 0.9 * Math.sin(k)),
      b: make(size, (k) => Math.cos(k)),
      iterate: make(size, (k) => Math.sin(0.5 * k)),
      lambda: 0.1,
    });
    for (const parallel of [false, true]) {
      const options = { parallel, validate: false };
      const filter = time(() => kalmanFilter(model, observations, options));
      const smoother = time(() => kalmanSmoother(model, observations, options));
      rows.push({
        batch,
        length,
        dim,
        precision,
        method: parallel ? 'parallel' : 'sequential',
        filterMs: Number(filter.toFixed(1)),
        smootherMs: Number(smoother.toFixed(1)),
        smootherNsPerElement: Number(((smoother * 1e6) / size).toFixed(2)),
      });
    }
  }
}
console.table(rows);
const outIndex = process.argv.indexOf('--out');
const outPath = outIndex >= 0 ? process.argv[outIndex + 1] : undefined;
if (outPath) writeFileSync(outPath, `${JSON.stringify(rows, null, 2)}\n`);
