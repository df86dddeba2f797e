/**
 * Where a quasi-DEER iteration's time goes, on whatever adapter is found: for a flax GRU (B = 16, f32) on a
 * resident session, per iteration — the host's time to record it (JavaScript and dawn.node calls), the wall
 * time of a whole iteration, and of each primitive repeated alone (`linearize`, `solveAffine`, `update`),
 * plus the round trip of an idle status read and the sequential kernels' time per step. Run once per
 * linearisation kernel. Prints a table; writes JSON to `$OUT/webgpu-profile.json` when OUT is set.
 *
 * Run: `pnpm --filter @elk/webgpu profile -- --grid 8:30000,64:30000` (or the bundle
 * `apps/bench/dist/webgpu-profile.mjs` with node on the GPU machine).
 */

import { writeFileSync } from 'node:fs';
import { gru } from '@elk/cells';
import type { Session } from '@elk/solvers';
import { createWebGpuBackend, type LinearizeKernel, type SequentialKernel } from '../src/index.ts';

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
const grid = argument('grid', '8:30000,16:30000,32:30000,64:30000,8:1000000,16:1000000')
  .split(',')
  .map((pair) => pair.split(':').map(Number) as [number, number]);
const batch = Number(argument('batch', '16'));
const repetitions = Number(argument('repetitions', '10'));
const linearizeKernels = argument('linearize', 'per-element,tiled').split(',') as LinearizeKernel[];
const sequentialKernels = argument('sequential', 'per-sequence,row-parallel')
  .split(',')
  .filter((name) => name !== '') as SequentialKernel[];
/** Sequential kernels run only where T·(time per step) stays short: per-sequence at D ≤ this. */
const perSequenceMaxD = Number(argument('per-sequence-max-d', '16'));
const sequentialLength = Number(argument('sequential-length', '30000'));

const device = (await createWebGpuBackend()).device;
const rows: Record<string, unknown>[] = [];

async function wall(
  session: Session,
  record: () => void,
  times: number,
): Promise<{ host: number; all: number }> {
  await session.readStatus();
  const started = performance.now();
  for (let i = 0; i < times; i++) record();
  const recorded = performance.now();
  await session.readStatus();
  const ended = performance.now();
  return { host: (recorded - started) / times, all: (ended - started) / times };
}

for (const linearizeKernel of linearizeKernels) {
  const backend = await createWebGpuBackend({ device, linearizeKernel });
  for (const [D, T] of grid) {
    const cell = gru({ hidden: D, input: D, seed: 0 });
    const session = await backend.createSession({
      cell,
      batch,
      length: T,
      inputs: normals(batch * T * D, 1),
      initialState: new Float32Array(batch * D),
    });
    const update = () => session.update({ tolerance: 0, criterion: 'step', reset: true });
    const iteration = () => {
      session.linearize('diagonal');
      session.solveAffine('diagonal');
      update();
    };
    await wall(session, iteration, 2);
    const idle: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      await session.readStatus();
      idle.push(performance.now() - started);
    }
    const roundTrip = Math.min(...idle);
    // From a random guess: the iterations stay far from the fixed point (no sequence stops).
    session.writeStates(normals(batch * T * D, 2));
    const whole = await wall(session, iteration, repetitions);
    const linearize = await wall(session, () => session.linearize('diagonal'), repetitions);
    const scan = await wall(session, () => session.solveAffine('diagonal'), repetitions);
    const updates = await wall(session, update, repetitions);
    const row = {
      linearizeKernel,
      D,
      T,
      batch,
      repetitions,
      roundTripMs: roundTrip,
      iterationMs: whole.all,
      iterationHostMs: whole.host,
      linearizeMs: linearize.all,
      linearizeHostMs: linearize.host,
      scanMs: scan.all,
      scanHostMs: scan.host,
      updateMs: updates.all,
      updateHostMs: updates.host,
    };
    rows.push(row);
    console.log(JSON.stringify(row));
    session.destroy();
  }
  backend.destroy();
}

for (const sequentialKernel of sequentialKernels) {
  const backend = await createWebGpuBackend({ device, sequentialKernel });
  for (const D of [...new Set(grid.map(([D]) => D))]) {
    if (sequentialKernel === 'per-sequence' && D > perSequenceMaxD) continue;
    const T = sequentialLength;
    const session = await backend.createSession({
      cell: gru({ hidden: D, input: D, seed: 0 }),
      batch,
      length: T,
      inputs: normals(batch * T * D, 1),
      initialState: new Float32Array(batch * D),
    });
    const once = await wall(session, () => session.sequential(), 1);
    const row = {
      sequentialKernel,
      D,
      T,
      batch,
      sequentialMs: once.all,
      microsecondsPerStep: (1000 * once.all) / T,
    };
    rows.push(row);
    console.log(JSON.stringify(row));
    session.destroy();
  }
  backend.destroy();
}

console.table(rows);
const out = process.env.OUT;
if (out) writeFileSync(`${out}/webgpu-profile.json`, `${JSON.stringify(rows, null, 2)}\n`);
device.destroy();
