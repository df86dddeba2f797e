/**
 * Encoding the session kernels that evaluate the cell: `linearize` (then the per-sequence merit) and
 * `sequential`.
 *
 * @module
 */

import type { LinearizationMode } from '@elk/solvers';
import { webGpuDefaults } from '../defaults.ts';
import type { SequenceWindow } from '../gpu-context.ts';
import type { GemmCellKind } from './cell-kernels.ts';
import { linearizeWgsl, sequentialWgsl } from './cell-kernels.ts';
import {
  gemmWeightsWgsl,
  gemmWeightsWords,
  inputProjectionWgsl,
  rowParallelSequentialWgsl,
  tiledLinearizeTag,
  tiledLinearizeWgsl,
} from './gemm-cell-kernels.ts';
import {
  type GemmTilePlan,
  gemmGates,
  type ProjectionPlans,
  stagesRecurrentWeights,
  tiledLinearizeLimits,
  tiledLinearizePlan,
} from './gemm-tile-plan.ts';
import type { SessionView } from './session-view.ts';
import { finishLinearizeWgsl } from './update-kernels.ts';

/**
 * Records `linearize(mode)`: f, A_t (per mode), b_t and the residual partials. Each sequence's merit follows
 * from the partials in {@link encodeFinishLinearize} or in `finish-update`'s variant that folds them too.
 */
export function encodeLinearize(session: SessionView, mode: LinearizationMode): void {
  const perStep = mode === 'dense' ? session.stateSize * session.stateSize : session.stateSize;
  const jacobian = mode === 'none' ? undefined : session.jacobianBuffer(mode);
  const { pipeline, weights, projections } = linearizePipeline(session, mode);
  for (const window of session.windows(perStep)) {
    dispatchLinearize(session, pipeline, window, perStep, { jacobian, weights, projections });
  }
}

/**
 * One window's dispatch of a linearisation kernel (per-element or tiled) with its bindings: the problem's
 * arrays, the Jacobian (modes other than 'none'), the tiled kernel's transposed weights, and the precomputed
 * input projections in binding 2 in place of the inputs (their window offset in `offset_inputs`).
 */
export function dispatchLinearize(
  session: SessionView,
  pipeline: GPUComputePipeline,
  window: SequenceWindow,
  perStep: number,
  arrays: {
    readonly jacobian?: GPUBuffer | undefined;
    readonly weights?: GPUBuffer | undefined;
    readonly projections?: { readonly buffer: GPUBuffer; readonly wordsPerStep: number } | undefined;
  },
): void {
  const { context, stateSize: D, cell } = session;
  const { jacobian, weights, projections } = arrays;
  const values = session.windowValues(window, perStep);
  let source: GPUBufferBinding = session.range(session.inputs, cell.inputSize, window);
  if (projections) {
    const binding = context.windowBinding(
      projections.buffer,
      session.length * projections.wordsPerStep,
      window,
    );
    source = binding.range;
    values.offset_inputs = binding.residual;
  }
  const bindings: GPUBufferBinding[] = [
    { buffer: session.cellParameters },
    source,
    { buffer: session.initialState },
    session.range(session.iterate, D, window),
    session.range(session.offset, D, window),
    { buffer: session.partials },
    { buffer: session.status },
  ];
  if (jacobian) bindings.push(session.range(jacobian, perStep, window));
  if (weights) bindings.push({ buffer: weights });
  session.dispatchElements(pipeline, values, bindings);
}

/** Records `finish-linearize`: each sequence's merit from the partials of the last `linearize`. */
export function encodeFinishLinearize(session: SessionView): void {
  const finish = session.context.pipeline('session/finish-linearize', finishLinearizeWgsl);
  session.finishSequences(finish, [{ buffer: session.partials }, { buffer: session.status }]);
}

/** First-use work (see `SessionView.firstUse`): the transposed GEMM weights (the parameters never change in a session). */
const transposedWeights = 'gemm-weights';

/** First-use work: the input projections (the inputs never change in a session). */
const projectedInputs = 'input-projections';

/** The transposed weights of a GEMM cell's tiled kernels, written on first use. */
function gemmWeights(session: SessionView, kind: GemmCellKind, plan: GemmTilePlan): GPUBuffer {
  const { cell } = session;
  const words = gemmWeightsWords(cell, plan);
  const weights = session.buffers.lazy('gemmWeights', words * 4);
  if (!session.firstUse.has(transposedWeights)) {
    const transpose = session.cellPipeline(`gemm-weights-${plan.unitQuads}`, () =>
      gemmWeightsWgsl(cell, kind, plan),
    );
    session.dispatchElements(transpose, { count: Math.ceil(words / webGpuDefaults.workgroupSize) }, [
      { buffer: session.cellParameters },
      { buffer: weights },
    ]);
    session.firstUse.add(transposedWeights);
  }
  return weights;
}

/** The session's input projections x_t W_i [B, T, G, Q] vec4, computed on first use. */
function inputProjections(session: SessionView, plans: ProjectionPlans, weights: GPUBuffer): GPUBuffer {
  const { cell, context, length: T } = session;
  const buffer = session.buffers.lazy('projections', session.batch * T * plans.wordsPerStep * 4);
  if (!session.firstUse.has(projectedInputs)) {
    const plan = plans.projection;
    const pipeline = session.cellPipeline(
      `input-projection-${plan.rowsPerInvocation}x${plan.workgroupSize}`,
      () => inputProjectionWgsl(cell, plan),
    );
    for (const window of session.windows(session.stateSize)) {
      const output = context.windowBinding(buffer, T * plans.wordsPerStep, window);
      session.dispatchElements(
        pipeline,
        { ...session.windowValues(window, session.stateSize), offset_offset: output.residual },
        [
          { buffer: session.cellParameters },
          session.range(session.inputs, cell.inputSize, window),
          output.range,
          { buffer: weights },
        ],
      );
    }
    session.firstUse.add(projectedInputs);
  }
  return buffer;
}

/**
 * The first-use work of `linearize(mode)` in this session — the tiled kernels' transposed weights and input
 * projections — recorded apart, so that the linearisation itself is the same dispatches in every session of
 * the same shape (and can be replayed from an earlier one). Later calls record nothing.
 */
export function prepareLinearize(session: SessionView, mode: LinearizationMode): void {
  linearizePipeline(session, mode);
}

/**
 * The transposed weights and input projections of a session that precomputes its projections (recording them
 * if this is their first use), for kernels that evaluate the cell as the projected tiled linearisation does.
 */
export function projectedLinearizeArrays(session: SessionView): {
  weights: GPUBuffer;
  projections: GPUBuffer;
} {
  const { weights, projections } = linearizePipeline(session, 'diagonal');
  if (!weights || !projections) {
    throw new Error('projectedLinearizeArrays: the session does not precompute its input projections');
  }
  return { weights, projections: projections.buffer };
}

/**
 * The pipeline of `linearize(mode)`: the tiled kernel when chosen and applicable (a GRU or Elman cell, mode 'none' or
 * 'diagonal', a tile plan within the device's workgroup limits), with its transposed weights (written on first
 * use) and, where the session precomputes them, its input projections; else the per-element kernel. All write
 * the same arrays over the same grid (one workgroup per block of W steps of a sequence).
 */
function linearizePipeline(
  session: SessionView,
  mode: LinearizationMode,
): {
  pipeline: GPUComputePipeline;
  weights?: GPUBuffer;
  projections?: { buffer: GPUBuffer; wordsPerStep: number };
} {
  const { cell, context } = session;
  const plan = tiledLinearizePlan(
    cell,
    mode,
    session.kernels.linearize,
    tiledLinearizeLimits(context.capabilities),
    session.kernels.linearizeRows,
  );
  const kind = cell.gemm;
  if (!plan || !kind || mode === 'dense') {
    return { pipeline: session.cellPipeline(`linearize-${mode}`, () => linearizeWgsl(cell, mode)) };
  }
  const weights = gemmWeights(session, kind, plan);
  const plans = session.projections;
  if (plans) {
    const buffer = inputProjections(session, plans, weights);
    const projected = plans.linearize;
    const unroll = webGpuDefaults.linearizeUnroll;
    const tag = tiledLinearizeTag(cell, projected, true, unroll);
    const pipeline = session.cellPipeline(`linearize-${mode}-tiled-projected-${tag}`, () =>
      tiledLinearizeWgsl(cell, kind, mode, projected, 'all', true, unroll),
    );
    return { pipeline, weights, projections: { buffer, wordsPerStep: plans.wordsPerStep } };
  }
  const unroll = webGpuDefaults.linearizeUnroll;
  const tag = tiledLinearizeTag(cell, plan, false, unroll);
  const pipeline = session.cellPipeline(`linearize-${mode}-tiled-${tag}`, () =>
    tiledLinearizeWgsl(cell, kind, mode, plan, 'all', false, unroll),
  );
  return { pipeline, weights };
}

/**
 * Records `sequential()`: writes s_t = f(s_{t−1}, u_t) into the iterate — one invocation per sequence, or for
 * a GRU or Elman cell with the row-parallel kernel chosen, one workgroup per sequence.
 */
export function encodeSequential(session: SessionView): void {
  const { stateSize: D, cell } = session;
  const kind = cell.gemm;
  if (session.kernels.sequential === 'row-parallel' && kind) {
    const storage = session.context.capabilities.maxComputeWorkgroupStorageSize;
    const staged = stagesRecurrentWeights(D, cell.inputSize, gemmGates[kind], storage);
    const pipeline = session.cellPipeline(`sequential-row-parallel-${staged ? 'staged' : 'cached'}`, () =>
      rowParallelSequentialWgsl(cell, kind, staged),
    );
    for (const window of session.windows(D)) {
      session.dispatchElements(pipeline, { ...session.windowValues(window, D), count: window.batchCount }, [
        { buffer: session.cellParameters },
        session.range(session.inputs, cell.inputSize, window),
        { buffer: session.initialState },
        session.range(session.iterate, D, window),
      ]);
    }
    return;
  }
  const pipeline = session.cellPipeline('sequential', () => sequentialWgsl(cell));
  for (const window of session.windows(D)) {
    const groups = Math.ceil(window.batchCount / webGpuDefaults.workgroupSize);
    session.dispatchElements(pipeline, { ...session.windowValues(window, D), count: groups }, [
      { buffer: session.cellParameters },
      session.range(session.inputs, cell.inputSize, window),
      { buffer: session.initialState },
      session.range(session.iterate, D, window),
    ]);
  }
}
