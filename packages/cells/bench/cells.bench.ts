/**
 * CPU cost of each cell per sequence step at batch 16: f, f + diagonal Jacobian (`linearize`, the quasi
 * methods' work) and f + dense Jacobian (DEER's), in f64 and f32; medians of repeated runs on one core.
 *
 * Run: `pnpm --filter @elk/cells bench` (add `-- --quick` for fewer repeats). Prints a table; not a test.
 */
import {
  arGru,
  type Cell,
  createRandom,
  elman,
  type FloatArray,
  gru,
  lorenz96,
  lstm,
  minGru,
} from '../src/index.ts';

const quick = process.argv.includes('--quick');
const batch = 16;
const steps = quick ? 200 : 2000;

function median(values: number[]): number {
  const sorted = values.slice().sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Median µs per sequence step (one batched call of B = 16) of `run`, over repeats of `steps` calls. */
function microseconds(run: () => void): number {
  for (let warmUp = 0; warmUp < steps; warmUp++) run();
  const samples: number[] = [];
  for (let repeat = 0; repeat < (quick ? 3 : 7); repeat++) {
    const start = performance.now();
    for (let step = 0; step < steps; step++) run();
    samples.push(((performance.now() - start) * 1000) / steps);
  }
  return median(samples);
}

function measure(cell: Cell, precision: 'f64' | 'f32') {
  const random = createRandom(1);
  const make = (length: number): FloatArray =>
    precision === 'f64'
      ? random.fillNormal(new Float64Array(length), 0.5)
      : random.fillNormal(new Float32Array(length), 0.5);
  const states = make(batch * cell.stateSize);
  const inputs = make(batch * cell.inputSize);
  const values = make(batch * cell.stateSize);
  const diagonal = make(batch * cell.stateSize);
  const dense = make(batch * cell.stateSize * cell.stateSize);
  return {
    step: microseconds(() => cell.step(states, inputs, batch, values)),
    diagonal: microseconds(() => cell.linearize(states, inputs, batch, 'diagonal', values, diagonal)),
    dense: microseconds(() => cell.linearize(states, inputs, batch, 'dense', values, dense)),
  };
}

const cells: Cell[] = [
  ...[8, 16, 32, 64].map((hidden) => gru({ hidden, input: 1 })),
  lstm({ hidden: 16, input: 1 }),
  elman({ hidden: 16, input: 1 }),
  minGru({ hidden: 16, input: 1 }),
  lorenz96({ dim: 5 }),
  lorenz96({ dim: 5, integrator: 'rk4' }),
  arGru({ hidden: 8 }),
];

console.log(`CPU cell cost, µs per sequence step at batch ${batch} (median; node ${process.version})`);
console.log('cell               D   f64 f   f64 f+diag  f64 f+dense   f32 f   f32 f+diag');
for (const cell of cells) {
  const f64 = measure(cell, 'f64');
  const f32 = measure(cell, 'f32');
  const label =
    cell.name === 'lorenz96' ? `lorenz96-${(cell as { integrator?: string }).integrator}` : cell.name;
  console.log(
    `${label.padEnd(16)} ${String(cell.stateSize).padStart(3)} ${f64.step.toFixed(2).padStart(7)} ${f64.diagonal
      .toFixed(2)
      .padStart(11)} ${f64.dense.toFixed(2).padStart(12)} ${f32.step.toFixed(2).padStart(7)} ${f32.diagonal
      .toFixed(2)
      .padStart(11)}`,
  );
}
