/**
 * Where a quasi-DEER iteration's time goes, on whatever adapter is found: for a flax GRU (B = 16, f32) on a
 * resident session, per iteration — the host's time to record it (JavaScript and dawn.node calls), the wall
 * time of a whole iteration, and of each primitive repeated alone (`linearize`, `solveAffine`, `update`),
 * plus the round trip of an idle status read and the sequential kernels' time per step; with timestamp
 * queries, the GPU time of every pass inside whole iterations (`--pass-times`, from the guesses of
 * `--pass-starts`). Run once per linearisation kernel (and per `--projections` choice of the tiled one);
 * `--ablation` times the tiled kernel's parts and forced rows per invocation (`--ablation-rows`). The GPU is
 * brought to a steady clock before each measurement (`--warm-ms`, at least). Prints a table; writes JSON to
 * `$OUT/webgpu-profile.json` when OUT is set.
 *
 * Run: `pnpm --filter @elk/webgpu profile -- --grid 8:30000,64:30000` (or the bundle
 * `apps/bench/dist/webgpu-profile.mjs` with node on the GPU machine).
 */

import { writeFileSync } from 'node:fs';
import type { Session } from '@elk/solvers';
import {
  createWebGpuBackend,
  type FusionChoice,
  type InputProjections,
  type LinearizeKernel,
  measure,
  readSessionPassTimes,
  type SequentialKernel,
  summarizePassTimes,
  timeSessionPasses,
  warmUpGpu,
} from '../src/index.ts';
import { dispatchLinearize } from '../src/session/cell-encoders.ts';
import {
  type TiledParts,
  tiledLinearizeTag,
  tiledLinearizeWgsl,
  vectorTileStride,
} from '../src/session/gemm-cell-kernels.ts';
import type { GemmTilePlan } from '../src/session/gemm-tile-plan.ts';
import {
  gemmGates,
  gemmTilePlan,
  tiledLinearizeLimits,
  tiledLinearizePlan,
} from '../src/session/gemm-tile-plan.ts';
import { mostTimedPasses } from '../src/session/pass-timer.ts';
import type { SessionView } from '../src/session/session-view.ts';
import {
  recordTiledIterationPass,
  type TiledIterationParts,
  tiledIterationFits,
} from '../src/session/tiled-iteration.ts';
import { argument, gridArgument, gruSession, listArgument, normals } from './support.ts';

const grid = gridArgument('grid', '8:30000,16:30000,32:30000,64:30000,8:1000000,16:1000000');
const batch = Number(argument('batch', '16'));
const repetitions = Number(argument('repetitions', '10'));
const linearizeKernels = listArgument('linearize', 'per-element,tiled') as LinearizeKernel[];
/** The input-projection choices the tiled kernel runs with (`--projections auto,recomputed,precomputed`). */
const projectionChoices = listArgument('projections', 'auto') as InputProjections[];
const sequentialKernels = listArgument('sequential', 'per-sequence,row-parallel') as SequentialKernel[];
/** Sequential kernels run only where T·(time per step) stays short: per-sequence at D ≤ this. */
const perSequenceMaxD = Number(argument('per-sequence-max-d', '16'));
const sequentialLength = Number(argument('sequential-length', '30000'));
/** Milliseconds of arithmetic before each measurement (an idle GPU starts at a low clock). */
const warmMilliseconds = Number(argument('warm-ms', '200'));
/** Whether to time whole iterations and each primitive by the wall clock (`--walls no`: pass times only). */
const wallsWanted = argument('walls', 'yes') === 'yes';
/** Whether to time each pass of whole iterations with timestamp queries (where the device has them). */
const passTimesWanted = argument('pass-times', 'yes') === 'yes';
/** The guesses the timed iterations start from, in order (`random`: normal values; `zeros`). */
const passStarts = listArgument('pass-starts', 'random,zeros') as ('random' | 'zeros')[];

/** Dawn toggles for dawn.node's `create()`, e.g. `enable-dawn-features=allow_unsafe_apis,disable_robustness`. */
const dawnOptions = argument('dawn', '')
  .split(' ')
  .filter((option) => option !== '');
const device = (await createWebGpuBackend({ dawnOptions })).device;
const rows: Record<string, unknown>[] = [];

/** Median wall time of 7 submissions of `record`, each awaited (host-timed). */
async function gpuMs(record: (encoder: GPUCommandEncoder) => void): Promise<number> {
  return (await measure(device, record, { warmup: 0, repetitions: 7, hostTiming: true })).medianMs;
}

/**
 * Arithmetic throughput and dispatch cost of this adapter through WGSL: a chain of vec4 multiply-adds
 * (written as a * m + k and as fma), and empty dispatches in one pass and in separate passes.
 */
async function microbenchmarks(): Promise<void> {
  const groups = 8448;
  const size = 256;
  const iterations = 1024;
  const out = device.createBuffer({ size: groups * size * 16, usage: GPUBufferUsage.STORAGE });
  const forms: [string, (name: string) => string][] = [
    ['a * m + k', (name) => `${name} * m + k`],
    ['fma(a, m, k)', (name) => `fma(${name}, m, k)`],
  ];
  for (const [form, expression] of forms) {
    const step = (name: string) => `${name} = ${expression(name)};`;
    const code = `@group(0) @binding(0) var<storage, read_write> out: array<vec4<f32>>;
@compute @workgroup_size(${size}) fn main(@builtin(global_invocation_id) id: vec3<u32>,
    @builtin(num_workgroups) n: vec3<u32>) {
  let x = id.x + id.y * n.x * ${size}u;
  var p = vec4<f32>(f32(x) * 1e-9); var q = p + 0.1; var r = p + 0.2; var s = p + 0.3;
  let m = vec4<f32>(0.99999); let k = vec4<f32>(1e-5);
  for (var i = 0u; i < ${iterations}u; i++) { ${['p', 'q', 'r', 's'].map(step).join(' ')} }
  out[x] = p + q + r + s;
}`;
    const pipeline = device.createComputePipeline({
      layout: 'auto',
      compute: { module: device.createShaderModule({ code }), entryPoint: 'main' },
    });
    const group = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: out } }],
    });
    const ms = await gpuMs((encoder) => {
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(groups);
      pass.end();
    });
    const flops = groups * size * iterations * 4 * 4 * 2;
    const row = { micro: `vec4 ${form}`, ms, tflops: flops / ms / 1e9 };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  const empty = device.createComputePipeline({
    layout: 'auto',
    compute: {
      module: device.createShaderModule({
        code: `@group(0) @binding(0) var<storage, read_write> out: array<u32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x == 0xffffffffu) { out[0] = 1u; }
}`,
      }),
      entryPoint: 'main',
    },
  });
  const group = device.createBindGroup({
    layout: empty.getBindGroupLayout(0),
    entries: [{ binding: 0, resource: { buffer: out } }],
  });
  const count = 200;
  for (const passes of ['one pass', 'a pass each']) {
    const ms = await gpuMs((encoder) => {
      let pass = encoder.beginComputePass();
      for (let i = 0; i < count; i++) {
        if (passes !== 'one pass' && i > 0) {
          pass.end();
          pass = encoder.beginComputePass();
        }
        pass.setPipeline(empty);
        pass.setBindGroup(0, group);
        pass.dispatchWorkgroups(132);
      }
      pass.end();
    });
    const row = { micro: `${count} dependent dispatches, ${passes}`, ms, usPerDispatch: (1000 * ms) / count };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  out.destroy();
}

if (argument('micro', 'yes') === 'yes') await microbenchmarks();

/**
 * Host recording time and wall time per call of `record`, `times` calls, after raising the GPU's clocks.
 * Every sequence is made active first (with tolerance 0 a sequence whose step reaches exactly 0 stops, and
 * its kernels return early after that).
 */
async function wall(
  session: Session,
  record: () => void,
  times: number,
): Promise<{ host: number; all: number }> {
  session.setActive(new Uint8Array(session.batch).fill(1));
  await session.readStatus();
  await warmUpGpu(device, warmMilliseconds, { mostMilliseconds: 1500 });
  const started = performance.now();
  for (let i = 0; i < times; i++) record();
  const recorded = performance.now();
  await session.readStatus();
  const ended = performance.now();
  return { host: (recorded - started) / times, all: (ended - started) / times };
}

/** Whether `update` is fused into the scan's apply pass, per run (`--scan-update auto,yes,no`). */
const scanUpdateChoices = listArgument('scan-update', 'auto').map((choice) =>
  choice === 'auto' ? ('auto' as const) : choice === 'yes',
);
/** Rows per invocation of the tiled kernel, per run (`--rows auto,4,8`). */
const rowsChoices = listArgument('rows', 'auto').map((choice) =>
  choice === 'auto' ? ('auto' as const) : Number(choice),
);
/**
 * Which fused quasi-DEER iteration runs (`--fusion no,yes,tiled,chunked`; yes = `true`; the iterations below are
 * fusible).
 */
const fusionChoices = listArgument('fusion', 'no').map((choice) =>
  choice === 'yes' ? true : choice === 'no' ? false : (choice as FusionChoice),
);
const variants = linearizeKernels.flatMap((linearizeKernel) =>
  (linearizeKernel === 'tiled' ? projectionChoices : (['auto'] as const)).flatMap((inputProjections) =>
    scanUpdateChoices.flatMap((scanUpdate) =>
      fusionChoices.flatMap((fusion) =>
        (linearizeKernel === 'tiled' ? rowsChoices : (['auto'] as const)).map((linearizeRows) => ({
          linearizeKernel,
          inputProjections,
          scanUpdate,
          fusion,
          linearizeRows,
        })),
      ),
    ),
  ),
);
/**
 * Rounds over the variants (`--rounds 3`): every variant measured once per round, so that a change of the
 * GPU's state during the run (its slow state comes and goes within seconds) shows as a spread between rounds.
 */
const rounds = Number(argument('rounds', '1'));
for (let round = 0; round < rounds; round++) {
  for (const { linearizeKernel, inputProjections, scanUpdate, fusion, linearizeRows } of variants) {
    const backend = await createWebGpuBackend({
      device,
      linearizeKernel,
      linearizeRows,
      inputProjections,
      scanUpdate,
      fusion,
    });
    console.log(`linearize ${linearizeKernel}: ${JSON.stringify(backend.kernels)}`);
    for (const [D, T] of grid) {
      const session = await gruSession(backend, batch, D, T);
      const variant = {
        linearizeKernel,
        inputProjections,
        scanUpdate,
        fusion,
        linearizeRows,
        D,
        T,
        batch,
        repetitions,
      };
      const update = () => session.update({ tolerance: 0, criterion: 'step', reset: true });
      const iteration = () => {
        session.linearize('diagonal');
        session.solveAffine('diagonal');
        update();
      };
      await wall(session, iteration, 2);
      if (wallsWanted) {
        const idle: number[] = [];
        for (let i = 0; i < 5; i++) {
          const started = performance.now();
          await session.readStatus();
          idle.push(performance.now() - started);
        }
        const roundTrip = Math.min(...idle);
        // From a random guess: the iterations stay far from the fixed point (no sequence stops).
        session.writeStates(normals(batch * T * D, 2));
        await wall(session, iteration, repetitions);
        session.writeStates(normals(batch * T * D, 3));
        const whole = await wall(session, iteration, repetitions);
        const linearize = await wall(session, () => session.linearize('diagonal'), repetitions);
        const scan = await wall(session, () => session.solveAffine('diagonal'), repetitions);
        const updates = await wall(session, update, repetitions);
        const row = {
          ...variant,
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
      }
      if (passTimesWanted && device.features.has('timestamp-query')) {
        // GPU time per pass inside whole iterations, from a random guess and from zeros.
        const guesses = { random: normals(batch * T * D, 4), zeros: new Float32Array(batch * T * D) };
        for (const start of passStarts) {
          session.writeStates(guesses[start]);
          session.setActive(new Uint8Array(batch).fill(1));
          await session.readStatus();
          await warmUpGpu(device, warmMilliseconds, { mostMilliseconds: 1500 });
          timeSessionPasses(session, Math.min(mostTimedPasses, 64 * repetitions));
          const started = performance.now();
          for (let i = 0; i < repetitions; i++) iteration();
          const times = summarizePassTimes(await readSessionPassTimes(session));
          const wallMs = (performance.now() - started) / repetitions;
          const passes = times.map(({ label, milliseconds, passes }) => ({
            label,
            msPerIteration: milliseconds / repetitions,
            passesPerIteration: passes / repetitions,
          }));
          const gpuMs = passes.reduce((sum, pass) => sum + pass.msPerIteration, 0);
          const timed = {
            passTimes: start,
            ...variant,
            wallMs,
            gpuMs,
            passes,
          };
          rows.push(timed);
          console.log(JSON.stringify(timed));
        }
      }
      session.destroy();
    }
    backend.destroy();
  }
}

/**
 * The tiled linearisation's parts timed apart (`--ablation D:T,…`): the whole kernel, staging alone, staging +
 * GEMM, staging + element-wise part — each dispatched like `linearize('diagonal')` on a resident session with
 * the default input projections (the projected kernel from D = 8 on) — then the whole kernel with each forced
 * R of `--ablation-rows` and each unroll of `--ablation-unroll`. Each variant is timed `--rounds` times over
 * `--repetitions` dispatches, by pass timestamps where the device has them (else the wall clock).
 */
const ablationRows = listArgument('ablation-rows', '').map(Number);
/** Columns per loop step of the tiled kernel to time beside the default (`--ablation-unroll 2,4`). */
const ablationUnroll = listArgument('ablation-unroll', '').map(Number);
const ablationGrid = argument('ablation', '')
  .split(',')
  .filter((pair) => pair !== '')
  .map((pair) => pair.split(':').map(Number) as [number, number]);
for (const [D, T] of ablationGrid) {
  const backend = await createWebGpuBackend({ device, linearizeKernel: 'tiled' });
  const session = await gruSession(backend, batch, D, T);
  session.linearize('diagonal');
  await session.readStatus();
  const view = session as unknown as SessionView;
  const limits = tiledLinearizeLimits(backend.capabilities);
  const kind = view.cell.gemm;
  const projected = view.projections;
  const plan = projected?.linearize ?? tiledLinearizePlan(view.cell, 'diagonal', 'tiled', limits);
  if (!plan || !kind) throw new Error(`no tile plan at D = ${D}`);
  const weights = view.buffers.lazy('gemmWeights', 4);
  const projections = projected ? view.buffers.lazy('projections', 4) : undefined;
  const jacobian = view.jacobianBuffer('diagonal');
  const stagedInputs = projected ? 0 : D;
  const variants: { parts: TiledParts; plan: GemmTilePlan; unroll: number }[] = [
    ...(['all', 'stage', 'accumulate', 'epilogue'] as TiledParts[]).map((parts) => ({
      parts,
      plan,
      unroll: 1,
    })),
    ...ablationRows.flatMap((R) => {
      const forced = gemmTilePlan(
        D,
        stagedInputs,
        gemmGates[kind],
        limits.storageBytes,
        limits.invocations,
        R,
      );
      return forced && R !== plan.rowsPerInvocation
        ? [{ parts: 'all' as TiledParts, plan: forced, unroll: 1 }]
        : [];
    }),
    // Unrolling applies to the scalar tile only (the vec4 tile walks four columns per step anyway).
    ...ablationUnroll
      .filter(
        (unroll) => unroll > 1 && vectorTileStride(view.cell, plan, projected !== undefined) === undefined,
      )
      .map((unroll) => ({ parts: 'all' as TiledParts, plan, unroll })),
  ];
  const timestamps = device.features.has('timestamp-query');
  for (let round = 0; round < rounds; round++) {
    for (const { parts, plan, unroll } of variants) {
      const tag = tiledLinearizeTag(view.cell, plan, projected !== undefined, unroll);
      const pipeline = view.cellPipeline(`ablation-${parts}-${tag}${projected ? '-projected' : ''}`, () =>
        tiledLinearizeWgsl(view.cell, kind, 'diagonal', plan, parts, projected !== undefined, unroll),
      );
      const record = () => {
        for (const window of view.windows(D)) {
          dispatchLinearize(view, pipeline, window, D, {
            jacobian,
            weights,
            projections:
              projected && projections
                ? { buffer: projections, wordsPerStep: projected.wordsPerStep }
                : undefined,
          });
        }
      };
      await wall(session, record, 2);
      let ms: number;
      if (timestamps) {
        await warmUpGpu(device, warmMilliseconds, { mostMilliseconds: 1500 });
        // Every timed pass counted: no more repetitions than the timer holds passes for.
        const windows = view.windows(D).length;
        const timed = Math.max(1, Math.min(repetitions, Math.floor(mostTimedPasses / windows)));
        timeSessionPasses(session, timed * windows);
        for (let i = 0; i < timed; i++) record();
        const times = summarizePassTimes(await readSessionPassTimes(session));
        ms = times.reduce((sum, pass) => sum + pass.milliseconds, 0) / timed;
      } else {
        ms = (await wall(session, record, repetitions)).all;
      }
      const row = {
        ablation: parts,
        projected: projected !== undefined,
        D,
        T,
        batch,
        plan: tag,
        round,
        timing: timestamps ? 'pass timestamps' : 'wall',
        ms,
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  }
  session.destroy();
  backend.destroy();
}

/**
 * The tiled quasi-DEER iteration's parts timed apart (`--iteration-parts D:T,…`): the whole kernel, without its
 * partials' reductions, without the look-back and without the groups' scan (see `TiledIterationParts`), each
 * recorded like the iteration on a resident session (`fusion: 'tiled'`) and timed `--rounds` times over
 * `--repetitions` passes by pass timestamps (clear and kernel; the device needs timestamp queries).
 */
const iterationGrid = argument('iteration-parts', '')
  .split(',')
  .filter((pair) => pair !== '')
  .map((pair) => pair.split(':').map(Number) as [number, number]);
for (const [D, T] of iterationGrid) {
  if (!device.features.has('timestamp-query')) break;
  const backend = await createWebGpuBackend({ device, fusion: 'tiled' });
  const session = await gruSession(backend, batch, D, T);
  const view = session as unknown as SessionView;
  if (!tiledIterationFits(view)) throw new Error(`the tiled iteration does not fit D = ${D}`);
  // One whole iteration first: the projections and the transposed weights.
  session.linearize('diagonal');
  session.solveAffine('diagonal');
  session.update({ tolerance: 0, criterion: 'step', reset: true });
  await session.readStatus();
  const values = { tolerance: 0, criterion: 0, reset: 1, reset_bound: 1e8, damping: 1 };
  const parts: TiledIterationParts[] = ['all', 'no-reductions', 'no-look-back', 'no-scan'];
  for (let round = 0; round < rounds; round++) {
    for (const part of parts) {
      const record = () => recordTiledIterationPass(view, values, part);
      await wall(session, record, 2);
      await warmUpGpu(device, warmMilliseconds, { mostMilliseconds: 1500 });
      const timed = Math.max(1, Math.min(repetitions, mostTimedPasses));
      timeSessionPasses(session, timed);
      for (let i = 0; i < timed; i++) record();
      const times = summarizePassTimes(await readSessionPassTimes(session));
      const ms = times.reduce((sum, pass) => sum + pass.milliseconds, 0) / timed;
      const row = { iterationParts: part, D, T, batch, round, timing: 'pass timestamps', ms };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  }
  session.destroy();
  backend.destroy();
}

for (const sequentialKernel of sequentialKernels) {
  const backend = await createWebGpuBackend({ device, sequentialKernel });
  for (const D of [...new Set(grid.map(([D]) => D))]) {
    if (sequentialKernel === 'per-sequence' && D > perSequenceMaxD) continue;
    const T = sequentialLength;
    const session = await gruSession(backend, batch, D, T);
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
