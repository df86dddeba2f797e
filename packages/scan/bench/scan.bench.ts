/**
 * Benchmark of the CPU scans against plain sequential loops (one core, medians of repeated runs).
 *
 * Run: `pnpm --filter @elk/scan bench` (add `-- --quick` for small sizes). Prints a table; not a test.
 */
import {
  affineDiagonalOperator,
  associativeScan,
  type FloatArray,
  scanAffineDense,
  scanAffineDiagonal,
} from '../src/index.ts';

const quick = process.argv.includes('--quick');
/** Largest number of array entries a case may allocate per array (keeps memory modest on shared machines). */
const maxEntries = quick ? 1 << 20 : 1 << 26;

function median(values: number[]): number {
  const sorted = values.slice().sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Median wall time (ms) of `run` over `repeats` runs after three warm-up runs. */
function time(run: () => void, repeats: number): number {
  for (let warmUp = 0; warmUp < 3; warmUp++) run();
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    run();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

function filled(f32: boolean, count: number, low: number, high: number): FloatArray {
  const values = f32 ? new Float32Array(count) : new Float64Array(count);
  let state = 12345;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    values[i] = low + ((high - low) * state) / 4294967296;
  }
  return values;
}

/** The baseline: the diagonal recurrence as one would write it by hand (x0 = 0, forward). */
function loopDiagonal(a: FloatArray, b: FloatArray, out: FloatArray, length: number, dim: number): void {
  for (let d = 0; d < dim; d++) out[d] = b[d] as number;
  for (let t = 1; t < length; t++) {
    const row = t * dim;
    for (let d = 0; d < dim; d++) {
      out[row + d] = (a[row + d] as number) * (out[row - dim + d] as number) + (b[row + d] as number);
    }
  }
}

/** The baseline: x_t = A_t x_{t-1} + b_t by hand (x0 = 0, forward). */
function loopDense(a: FloatArray, b: FloatArray, out: FloatArray, length: number, dim: number): void {
  for (let i = 0; i < dim; i++) out[i] = b[i] as number;
  for (let t = 1; t < length; t++) {
    for (let i = 0; i < dim; i++) {
      let sum = b[t * dim + i] as number;
      const row = (t * dim + i) * dim;
      for (let j = 0; j < dim; j++) sum += (a[row + j] as number) * (out[(t - 1) * dim + j] as number);
      out[t * dim + i] = sum;
    }
  }
}

interface Row {
  scan: string;
  precision: string;
  T: number;
  D: number;
  scanMs: number;
  loopMs: number;
}

const rows: Row[] = [];
const lengths = quick ? [10_000, 100_000] : [100_000, 1_000_000];
const dims = [1, 4, 16, 64];
const denseDims = [1, 2, 4, 8];

for (const f32 of [true, false]) {
  const precision = f32 ? 'f32' : 'f64';
  for (const length of lengths) {
    for (const dim of dims) {
      if (length * dim > maxEntries) continue;
      const a = filled(f32, length * dim, -0.99, 0.99);
      const b = filled(f32, length * dim, -1, 1);
      const out = f32 ? new Float32Array(length * dim) : new Float64Array(length * dim);
      const repeats = length * dim >= 1 << 22 ? 5 : 11;
      const scanMs = time(() => scanAffineDiagonal({ a, b, batch: 1, length, dim, out }), repeats);
      const loopMs = time(() => loopDiagonal(a, b, out, length, dim), repeats);
      rows.push({ scan: 'scanAffineDiagonal', precision, T: length, D: dim, scanMs, loopMs });
    }
    for (const dim of denseDims) {
      if (length * dim * dim > maxEntries) continue;
      const a = filled(f32, length * dim * dim, -1 / dim, 1 / dim);
      const b = filled(f32, length * dim, -1, 1);
      const out = f32 ? new Float32Array(length * dim) : new Float64Array(length * dim);
      const repeats = length * dim * dim >= 1 << 22 ? 3 : 7;
      const scanMs = time(() => scanAffineDense({ a, b, batch: 1, length, dim, out }), repeats);
      const loopMs = time(() => loopDense(a, b, out, length, dim), repeats);
      rows.push({ scan: 'scanAffineDense', precision, T: length, D: dim, scanMs, loopMs });
    }
  }
}

// The generic scan on objects, for scale (the associative form of the D = 1 diagonal scan).
{
  const length = lengths[0] ?? 100_000;
  const a = filled(false, length, -0.99, 0.99);
  const b = filled(false, length, -1, 1);
  const elements = Array.from(a, (value, t) => ({ a: value, b: b[t] as number }));
  const out = new Float64Array(length);
  const scanMs = time(() => associativeScan(affineDiagonalOperator, elements), 5);
  const loopMs = time(() => loopDiagonal(a, b, out, length, 1), 5);
  rows.push({ scan: 'associativeScan(affineDiagonal)', precision: 'f64', T: length, D: 1, scanMs, loopMs });
}

console.log(`@elk/scan CPU benchmark (one core, median ms; loop = hand-written sequential recurrence)\n`);
console.log('| scan | precision | T | D | scan ms | loop ms | scan / loop | ns per element |');
console.log('|---|---|---|---|---|---|---|---|');
for (const { scan, precision, T, D, scanMs, loopMs } of rows) {
  const perElement = ((scanMs * 1e6) / (T * D)).toFixed(2);
  console.log(
    `| ${scan} | ${precision} | ${T} | ${D} | ${scanMs.toFixed(2)} | ${loopMs.toFixed(2)} | ${(scanMs / loopMs).toFixed(2)} | ${perElement} |`,
  );
}
