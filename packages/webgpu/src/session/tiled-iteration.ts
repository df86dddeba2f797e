/**
 * The tiled quasi-DEER iteration: `linearize('diagonal')`, `solveAffine('diagonal')` and a plain `update` (step
 * criterion, full step, no trust region) in one dispatch (after a clear of its scan words), for the GEMM cells
 * (GRU, Elman) whose input projections the session precomputes, D a multiple of 4.
 *
 * A workgroup takes a ticket (chunk-major: ticket = chunk · batch + sequence, so that every chunk it waits for
 * has started) and owns that chunk of 64 steps of one sequence:
 *
 * 1. it stages s_{t−1} of its 64 steps in workgroup memory and accumulates the gate pre-activations as the
 *    tiled linearisation does (gemm-cell-kernels.ts; here invocation (group g, quad q) owns the R consecutive
 *    steps g·R … g·R + R − 1 of units 4q … 4q + 3), adds the input projections and evaluates the cell: f_t,
 *    diag(A_t) (A_0 = 0) and b_t = f_t − A_t s_{t−1} stay in registers, the residual s_t − f_t goes into the
 *    chunk's merit partial;
 * 2. it scans its steps' affine maps (the invocation's R steps, then the groups in workgroup memory), publishes
 *    the chunk's aggregate per channel and looks back for its carry, as the vec4 single-pass scan does
 *    (kernels/single-pass-vector-scan.ts: the same publication words, spin bound and NaN on failure);
 * 3. it applies the maps from the carry, resets each candidate and writes it as the new iterate into the other
 *    state array (the two swap roles afterwards: a later chunk still stages this chunk's last step), with the
 *    step partial (step, –, max |s| before, max |s| after, flags) of the chunk.
 *
 * Per element it reads s about once (each chunk's last step twice) and the G projections, and writes s once —
 * against about 14 values per element for linearize, the scan and `update` apart — and A_t and b_t never leave
 * the chip. Stopped sequences copy
 * their steps across. `finish-update` folds both partials (the merit's as `linearize`'s, per block of 64).
 *
 * @module
 */

import { type DiagonalScanVariant, dispatchSinglePassClear } from '../affine-diagonal-scan.ts';
import { webGpuDefaults } from '../defaults.ts';
import {
  singlePassHeaderWords,
  singlePassPublishWgsl,
  singlePassRowScanWgsl,
} from '../kernels/single-pass-diagonal-scan.ts';
import {
  vectorCarryWgsl,
  vectorLookBackWgsl,
  vectorScanSpinLimit,
  vectorScanWindow,
} from '../kernels/single-pass-vector-scan.ts';
import { projectedLinearizeArrays } from './cell-encoders.ts';
import { type CellShape, cellPreamble, type GemmCellKind } from './cell-kernels.ts';
import { accumulatorSlots, gemmCellWgsl } from './gemm-cell-kernels.ts';
import { type GemmTilePlan, gemmTilePlan, tiledLinearizeLimits } from './gemm-tile-plan.ts';
import type { FusionChoice } from './kernel-choice.ts';
import {
  partialReductionWgsl,
  partialWords,
  type SessionParamValues,
  sessionParams,
} from './session-layout.ts';
import type { SessionView } from './session-view.ts';
import { finishUpdate } from './update-encoder.ts';
import { resetWgsl } from './update-kernels.ts';

/**
 * Which parts of the tiled iteration a kernel runs: `'all'`, or for timing (the profile bench) the kernel
 * without its two partials' reductions (`'no-reductions'`), without the look-back (`'no-look-back'`: every
 * chunk starts from 0), or without the groups' scan and the look-back (`'no-scan'`).
 */
export type TiledIterationParts = 'all' | 'no-reductions' | 'no-look-back' | 'no-scan';

/** Storage buffers the tiled iteration binds. */
export const tiledIterationStorageBuffers = 10;

/** Workgroup bytes of the tiled iteration with tile plan `plan` and D = `stateSize`. */
export function tiledIterationWorkgroupBytes(plan: GemmTilePlan, stateSize: number): number {
  const tile = webGpuDefaults.workgroupSize * plan.rowStride;
  const scan = 2 * plan.workgroupSize * 4;
  const reduction = plan.workgroupSize * partialWords;
  return (tile + scan + reduction + stateSize + 2) * 4;
}

/**
 * Rows per invocation the tiled iteration prefers where the linearisation's plan takes more: it keeps each row's
 * A_t and b_t in registers until its chunk's carry arrives. Measured on the H200 (flax GRU, B = 16, quasi-DEER,
 * resident solve, two rounds): R = 2 took 15.5 / 16.4 ms at D = 64, T = 3·10⁴ and 46.5 ms at T = 10⁵ against
 * 17.9–18.1 and 56.7–57.1 with R = 4; at D = 32 about the same (5.9 against 5.8–5.9 ms, 17.3 against 16.2–16.6).
 */
const iterationRows = 2;

/**
 * The tile plan of a session's tiled iteration: the projected linearisation's, with R = {@link iterationRows}
 * where that plan takes more rows and the device fits the larger workgroup (unless `linearizeRows` forces R).
 */
export function tiledIterationPlan(session: SessionView): GemmTilePlan | undefined {
  const { cell, context, projections, stateSize: D } = session;
  if (!cell.gemm || !projections) return undefined;
  const plan = projections.linearize;
  if (session.kernels.linearizeRows !== 'auto' || plan.rowsPerInvocation <= iterationRows) return plan;
  const limits = tiledLinearizeLimits(context.capabilities);
  const fewer = gemmTilePlan(D, 0, plan.gates, limits.storageBytes, limits.invocations, iterationRows);
  return fewer && tiledIterationWorkgroupBytes(fewer, D) <= limits.storageBytes ? fewer : plan;
}

/**
 * Whether a session can run the tiled iteration: a GEMM cell whose input projections it precomputes, D a
 * multiple of 4, its arrays and its scan words each in one binding, and a device that binds 10 storage buffers
 * and the workgroup memory.
 */
export function tiledIterationFits(session: SessionView): boolean {
  const { cell, context, projections, stateSize: D } = session;
  if (!cell.gemm || !projections || D % 4 !== 0) return false;
  const plan = tiledIterationPlan(session);
  if (!plan) return false;
  const limits = context.capabilities;
  return (
    limits.maxStorageBuffersPerShaderStage >= tiledIterationStorageBuffers &&
    limits.maxComputeWorkgroupStorageSize >= tiledIterationWorkgroupBytes(plan, D) &&
    session.windows(D).length === 1 &&
    stateWords(session.batch, D, Math.ceil(session.length / webGpuDefaults.workgroupSize)) * 4 <=
      context.maxBindingBytes
  );
}

/** Words of the scan state (ticket counter, then per (sequence, channel, chunk) the prefix and A and B). */
function stateWords(batch: number, dim: number, chunks: number): number {
  return singlePassHeaderWords + 3 * batch * dim * chunks;
}

/**
 * WGSL of the tiled iteration of a GEMM cell with the projected tile plan `plan` (one block of W = 64 steps,
 * R steps per invocation). Bindings: 1 cell_params, 2 projections [B, T, G, Q] vec4, 3 the initial state,
 * 4 the iterate (read), 5 the next iterate (write), 6 the merit partials [B, blocks], 7 status, 8 the
 * transposed weights, 9 the scan words (cleared before), 10 the step partials [B, chunks]. `spinLimit` bounds
 * the look-back's failed polls per channel.
 */
export function tiledIterationWgsl(
  cell: CellShape,
  kind: GemmCellKind,
  plan: GemmTilePlan,
  spinLimit: number,
  parts: TiledIterationParts = 'all',
): string {
  const reductions = parts !== 'no-reductions';
  const scanGroups = parts !== 'no-scan';
  const lookBack = parts === 'all' || parts === 'no-reductions';
  const { rowsPerInvocation: R, workgroupSize, rowStride, gates } = plan;
  const slots = accumulatorSlots[kind];
  const rows = Array.from({ length: R }, (_, r) => r);
  const lanes = ['x', 'y', 'z', 'w'];
  const repeat = (count: number, line: (j: number) => string) =>
    Array.from({ length: count }, (_, j) => line(j)).join('\n');
  const declarations = rows
    .flatMap((r) => Array.from({ length: slots.count }, (_, a) => `var acc_${r}_${a} = vec4<f32>(0.0);`))
    .join('\n  ');
  const weightLoads = Array.from(
    { length: gates },
    (_, gate) => `let w${gate} = gemm_weights[((TRUE_INPUT_SIZE + k) * GATES + ${gate}u) * QUADS + quad];`,
  ).join('\n    ');
  const columnUpdates = rows
    .map(
      (r) =>
        `let x${r} = tile[(group * ROWS + ${r}u) * ROW_STRIDE + k];\n    ` +
        Array.from(
          { length: gates },
          (_, gate) => `acc_${r}_${slots.slot(gate, true)} += w${gate} * x${r};`,
        ).join(' '),
    )
    .join('\n    ');
  const sums = (r: number) =>
    Array.from({ length: 4 }, (_, a) => (a < slots.count ? `acc_${r}_${a}` : 'vec4<f32>(0.0)')).join(', ');
  const elements = rows
    .map((r) => {
      const projected = Array.from(
        { length: gates },
        (_, gate) =>
          `acc_${r}_${slots.slot(gate, false)} += projections[projection_base + ((row_base + t) * GATES + ${gate}u) * QUADS + quad];`,
      ).join('\n      ');
      return `var a${r} = vec4<f32>(1.0);
  var b${r} = vec4<f32>(0.0);
  {
    let row = group * ROWS + ${r}u;
    let t = first + row;
    if (owner && row < count) {
      ${projected}
      let h = tile_quad(row, quad);
      let element = gemm_quad(${sums(r)}, constants, h);
      let residual = current_quad(row, t, quad, row_base, iterate_base) - element[0];
      ${lanes.map((lane) => `add_residual(&merit, residual.${lane});`).join(' ')}
      a${r} = select(element[1], vec4<f32>(0.0), t == 0u);
      b${r} = element[0] - a${r} * h;
    }
  }`;
    })
    .join('\n  ');
  const perInvocation = Math.ceil((webGpuDefaults.workgroupSize * plan.unitQuads) / workgroupSize);
  const staging = [
    ...Array.from(
      { length: perInvocation },
      (_, i) =>
        `let staged_${i} = staged_quad(local + ${i * workgroupSize}u, first, row_base, global, iterate_base);`,
    ),
    ...Array.from(
      { length: perInvocation },
      (_, i) => `store_staged(local + ${i * workgroupSize}u, staged_${i});`,
    ),
  ].join('\n  ');
  const lookBackWgsl = vectorLookBackWgsl(vectorScanWindow, {
    prefix: 'PREFIX_BASE',
    a: 'aggregate_a_base',
    b: 'aggregate_b_base',
    spinLimit: 'SPIN_LIMIT',
  });
  const applies = rows
    .map(
      (r) => `    value = a${r} * value + b${r};
    if (group * ROWS + ${r}u < count) {
      let old${r} = current_quad(group * ROWS + ${r}u, first + group * ROWS + ${r}u, quad, row_base, iterate_base);
      let candidate = vec4<f32>(${lanes.map((lane) => `reset_value(value.${lane}, &step.flags)`).join(', ')});
      next_iterate[next_base + (row_base + first + group * ROWS + ${r}u) * QUADS + quad] = candidate;
      let difference = abs(candidate - old${r});
      ${lanes
        .map(
          (lane) =>
            `if (is_nan(difference.${lane})) { step.flags = step.flags | FLAG_NOT_FINITE; } else { step.first = max(step.first, difference.${lane}); }`,
        )
        .join('\n      ')}
      step.third = max(step.third, largest(abs(old${r})));
      step.fourth = max(step.fourth, largest(abs(candidate)));
    }`,
    )
    .join('\n');
  return /* wgsl */ `${cellPreamble(cell)}
@group(0) @binding(2) var<storage, read> projections: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> initial_state: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> iterate: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> next_iterate: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> partials: array<Partial>;
@group(0) @binding(7) var<storage, read> status: array<SequenceState>;
@group(0) @binding(8) var<storage, read> gemm_weights: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read_write> state: array<atomic<u32>>;
@group(0) @binding(10) var<storage, read_write> step_partials: array<Partial>;
${partialReductionWgsl(workgroupSize, true)}
${gemmCellWgsl(kind)}
${resetWgsl}
${singlePassPublishWgsl}
const GATES: u32 = ${gates}u;
const QUADS: u32 = ${plan.unitQuads}u;
const ROW_GROUPS: u32 = ${plan.rowGroups}u;
const ROWS: u32 = ${R}u;
const ROW_STRIDE: u32 = ${rowStride}u;
const BLOCK: u32 = ${webGpuDefaults.workgroupSize}u;
const WORKGROUP: u32 = ${workgroupSize}u;
const SPIN_LIMIT: u32 = ${spinLimit}u;
const PREFIX_BASE: u32 = ${singlePassHeaderWords}u;
var<workgroup> tile: array<f32, ${webGpuDefaults.workgroupSize * rowStride}>;
var<workgroup> scan_a: array<vec4<f32>, WORKGROUP>;
var<workgroup> scan_b: array<vec4<f32>, WORKGROUP>;
var<workgroup> carry_shared: array<f32, STATE_SIZE>;
var<workgroup> ticket_shared: u32;
var<workgroup> failed_shared: atomic<u32>;

fn tile_quad(row: u32, quad: u32) -> vec4<f32> {
  let at = row * ROW_STRIDE + quad * 4u;
  return vec4<f32>(tile[at], tile[at + 1u], tile[at + 2u], tile[at + 3u]);
}

// Staged vec4 e of the block (row e / QUADS, quad e % QUADS): s_{t−1} for t = first + row; 0 past T and the block.
fn staged_quad(e: u32, first: u32, row_base: u32, global: u32, iterate_base: u32) -> vec4<f32> {
  let t = first + e / QUADS;
  if (e >= BLOCK * QUADS || t >= params.length) { return vec4<f32>(0.0); }
  if (t == 0u) { return initial_state[global * QUADS + e % QUADS]; }
  return iterate[iterate_base + (row_base + t - 1u) * QUADS + e % QUADS];
}

fn store_staged(e: u32, value: vec4<f32>) {
  if (e >= BLOCK * QUADS) { return; }
  let at = e / QUADS * ROW_STRIDE + e % QUADS * 4u;
  tile[at] = value.x;
  tile[at + 1u] = value.y;
  tile[at + 2u] = value.z;
  tile[at + 3u] = value.w;
}

// s_t at the block's row \`row\` (t = first + row): the tile's next row where the block holds it, else the iterate.
fn current_quad(row: u32, t: u32, quad: u32, row_base: u32, iterate_base: u32) -> vec4<f32> {
  if (row + 1u < BLOCK && t + 1u < params.length) { return tile_quad(row + 1u, quad); }
  return iterate[iterate_base + (row_base + t) * QUADS + quad];
}

fn largest(v: vec4<f32>) -> f32 {
  return max(max(v.x, v.y), max(v.z, v.w));
}

// NaN where \`flag\` holds (a runtime value: a constant NaN is a shader-creation error), else 0.
fn nan_if(flag: bool) -> f32 {
  return bitcast<f32>(select(0u, NAN_BITS, flag));
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(local_invocation_index) local: u32) {
  if (local == 0u) {
    let taken = atomicAdd(&state[0], 1u);
    atomicStore(&failed_shared, 0u);
    ticket_shared = select(taken, NO_TICKET, taken / params.batch >= params.chunks);
  }
  let ticket = workgroupUniformLoad(&ticket_shared);
  if (ticket == NO_TICKET) { return; }
  let chunk = ticket / params.batch;
  let sequence = ticket % params.batch;
  let global = params.batch_base + sequence;
  let first = chunk * BLOCK;
  let count = min(BLOCK, params.length - first);
  let row_base = sequence * params.length;
  let iterate_base = params.offset_iterate >> 2u;
  let next_base = params.offset_candidate >> 2u;
  if (status[global].running == 0u) {
    // A stopped sequence keeps its values: carry them into the other array (the arrays swap roles).
    for (var e = local; e < count * QUADS; e += WORKGROUP) {
      let i = (row_base + first) * QUADS + e;
      next_iterate[next_base + i] = iterate[iterate_base + i];
    }
    return;
  }
  let projection_base = params.offset_inputs >> 2u;

  // Stage s_{t−1} of the block's steps (s_{−1} = the initial state; 0 past T), a vec4 per load, every load
  // issued before the first store.
  ${staging}
  workgroupBarrier();
  let owner = local < QUADS * ROW_GROUPS;
  let quad = local % QUADS;
  let group = min(local / QUADS, ROW_GROUPS - 1u);
  ${declarations}
  for (var k = 0u; k < STATE_SIZE; k++) {
    ${weightLoads}
    ${columnUpdates}
  }

  // The cell on R steps × 4 units: a_t, b_t and the old s_t in registers, the residual into the merit.
  var merit = Partial(0.0, 0.0, 0.0, 0.0, 0u);
  let constants = gemm_quad_constants(quad);
  ${elements}
  let merit_total = ${reductions ? 'reduce_partials(local, merit)' : 'merit'};
  if (local == 0u) { partials[global * params.blocks + chunk] = merit_total; }

  // The invocation's R maps composed, then the groups' in workgroup memory (inclusive, per quad).
  var own_a = vec4<f32>(1.0);
  var own_b = vec4<f32>(0.0);
${repeat(R, (r) => `  own_b = a${r} * own_b + b${r};\n  own_a = a${r} * own_a;`)}
${singlePassRowScanWgsl(scanGroups ? 'ROW_GROUPS' : '1u', 'QUADS', 'group', 'owner')}

  // One invocation per channel: publish the chunk's aggregate, look back for the carry, publish the prefix.
  let published = params.batch * STATE_SIZE * params.chunks;
  let aggregate_a_base = PREFIX_BASE + published;
  let aggregate_b_base = PREFIX_BASE + 2u * published;
  for (var channel = local; channel < STATE_SIZE; channel += WORKGROUP) {
    let last = (ROW_GROUPS - 1u) * QUADS + channel / 4u;
    let total_a = scan_a[last][channel % 4u];
    let total_b = scan_b[last][channel % 4u];
    let words = (sequence * STATE_SIZE + channel) * params.chunks;
    // A_0 = 0: the first step ignores the carry in.
    var carry = 0.0;
    if (${lookBack ? 'chunk == 0u' : 'true'}) {
      publish(PREFIX_BASE + words + chunk, bitcast<u32>(total_b));
    } else {
${lookBackWgsl}    }
    carry_shared[channel] = carry;
  }
  workgroupBarrier();

  // Apply from the carry over the R steps: reset, write the new iterate, measure the step.
  let failed = atomicLoad(&failed_shared) != 0u;
  // A look-back that gave up shows as a non-finite step (the reset would otherwise hide its NaNs).
  var step = Partial(0.0, 0.0, 0.0, 0.0, select(0u, FLAG_NOT_FINITE, failed));
  if (owner) {
${vectorCarryWgsl}
${applies}
  }
  let step_total = ${reductions ? 'reduce_partials(local, step)' : 'step'};
  if (local == 0u) { step_partials[global * params.chunks + chunk] = step_total; }
}
`;
}

/**
 * Records one tiled quasi-DEER iteration (the caller checked {@link tiledIterationFits} and recorded the
 * linearisation's first-use work): the clear of the scan words, the iteration into the candidate array, and
 * `finish-update` folding the merit and step partials. The caller swaps the state arrays afterwards.
 */
export function encodeTiledIteration(session: SessionView, values: SessionParamValues): void {
  const chunks = recordTiledIterationPass(session, values);
  const finish = finishUpdate(session, true);
  const stepPartials = session.buffers.lazy('iterationPartials', session.batch * chunks * partialWords * 4);
  session.finishSequences(finish.pipeline, [{ buffer: stepPartials }, ...finish.bindings], {
    ...values,
    ...finish.values,
    blocks: chunks,
  });
}

/**
 * Records the tiled iteration's pass (the clear of its scan words and the kernel, running `parts`) and returns its
 * chunks per sequence.
 */
export function recordTiledIterationPass(
  session: SessionView,
  values: SessionParamValues,
  parts: TiledIterationParts = 'all',
): number {
  const { context, batch, length, stateSize: D, cell } = session;
  const kind = cell.gemm;
  const plans = session.projections;
  if (!kind || !plans) throw new Error('the tiled iteration needs a GEMM cell with precomputed projections');
  const plan = tiledIterationPlan(session);
  if (!plan) throw new Error('the tiled iteration needs a tile plan');
  const chunks = Math.ceil(length / webGpuDefaults.workgroupSize);
  const [window] = session.windows(D);
  if (!window) throw new Error('the tiled iteration needs its arrays in one window');
  const { weights, projections } = projectedLinearizeArrays(session);
  const words = stateWords(window.batchCount, D, chunks);
  const state = session.buffers.lazy('iterationState', words * 4);
  const stepPartials = session.buffers.lazy('iterationPartials', batch * chunks * partialWords * 4);
  const spinLimit = context.capabilities.software
    ? vectorScanSpinLimit.software
    : vectorScanSpinLimit.hardware;
  const pipeline = session.cellPipeline(
    `tiled-iteration-${plan.rowsPerInvocation}x${plan.workgroupSize}-${spinLimit}${parts === 'all' ? '' : `-${parts}`}`,
    () => tiledIterationWgsl(cell, kind, plan, spinLimit, parts),
  );
  const projectionBinding = context.windowBinding(projections, length * plans.wordsPerStep, window);
  const iterate = context.windowBinding(session.iterate, length * D, window);
  const next = context.windowBinding(session.candidate, length * D, window);
  const uniform = sessionParams.pack({
    ...session.windowValues(window, D),
    ...values,
    chunks,
    blocks: chunks,
    offset_inputs: projectionBinding.residual,
    offset_iterate: iterate.residual,
    offset_candidate: next.residual,
  });
  session.pass((pass) => {
    const stateRange = dispatchSinglePassClear(context, pass, state, words);
    context.dispatch(
      pass,
      pipeline,
      uniform,
      [
        { buffer: session.cellParameters },
        projectionBinding.range,
        { buffer: session.initialState },
        iterate.range,
        next.range,
        { buffer: session.partials },
        { buffer: session.status },
        { buffer: weights },
        stateRange,
        { buffer: stepPartials },
      ],
      chunks * window.batchCount,
    );
  }, 'tiled-iteration');
  return chunks;
}

/**
 * The fused iteration a session runs for the choice `fusion` (see `FusionChoice`): `fits` says whether the tiled
 * one applies; `'auto'` takes it only where the session's scan runs single-pass (hardware adapters on which the
 * look-back is validated).
 */
export function chooseFusion(
  fusion: FusionChoice,
  scanVariant: DiagonalScanVariant,
  fits: () => boolean,
): 'tiled' | 'chunked' | 'none' {
  switch (fusion) {
    case false:
      return 'none';
    case 'chunked':
      return 'chunked';
    case 'tiled':
      return fits() ? 'tiled' : 'none';
    case true:
      return 'chunked';
    default:
      return scanVariant === 'single-pass' && fits() ? 'tiled' : 'none';
  }
}
