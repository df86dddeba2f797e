/**
 * Encoding the session kernels that evaluate the cell: `linearize` (then the per-sequence merit) and
 * `sequential`.
 *
 * @module
 */

import type { LinearizationMode } from '@elk/solvers';
import { webGpuDefaults } from '../defaults.ts';
import { linearizeWgsl, sequentialWgsl } from './cell-kernels.ts';
import {
  gemmWeightsWgsl,
  gemmWeightsWords,
  rowParallelSequentialWgsl,
  tiledLinearizeWgsl,
} from './gemm-cell-kernels.ts';
import {
  gemmGates,
  stagesRecurrentWeights,
  tiledLinearizeLimits,
  tiledLinearizePlan,
} from './gemm-tile-plan.ts';
import type { SessionView } from './session-view.ts';
import { finishLinearizeWgsl } from './update-kernels.ts';

/** Records `linearize(mode)`: f, A_t (per mode), b_t and the residual partials, then each sequence's merit. */
export function encodeLinearize(session: SessionView, mode: LinearizationMode): void {
  const { context, stateSize: D, cell } = session;
  const perStep = mode === 'dense' ? D * D : D;
  const jacobian = mode === 'none' ? undefined : session.jacobianBuffer(mode);
  const { pipeline, weights } = linearizePipeline(session, mode);
  for (const window of session.windows(perStep)) {
    const bindings: GPUBufferBinding[] = [
      { buffer: session.cellParameters },
      session.range(session.inputs, cell.inputSize, window),
      { buffer: session.initialState },
      session.range(session.iterate, D, window),
      session.range(session.offset, D, window),
      { buffer: session.partials },
      { buffer: session.status },
    ];
    if (jacobian) bindings.push(session.range(jacobian, perStep, window));
    if (weights) bindings.push({ buffer: weights });
    session.dispatchElements(pipeline, session.windowValues(window, perStep), bindings);
  }
  const finish = context.pipeline('session/finish-linearize', finishLinearizeWgsl);
  session.finishSequences(finish, [{ buffer: session.partials }, { buffer: session.status }]);
}

/** Sessions whose transposed GEMM weights are written (the cell's parameters never change in a session). */
const transposedWeights = new WeakSet<SessionView>();

/**
 * The pipeline of `linearize(mode)`: the tiled kernel when chosen and applicable (a GRU or Elman cell, mode 'none' or
 * 'diagonal', a tile plan within the device's workgroup limits), with its transposed weights (written on first
 * use), else the per-element kernel. Both write the same arrays over the same grid (one workgroup per block
 * of W steps of a sequence).
 */
function linearizePipeline(
  session: SessionView,
  mode: LinearizationMode,
): { pipeline: GPUComputePipeline; weights?: GPUBuffer } {
  const { cell, context } = session;
  const plan = tiledLinearizePlan(
    cell,
    mode,
    session.kernels.linearize,
    tiledLinearizeLimits(context.capabilities),
  );
  const kind = cell.gemm;
  if (!plan || !kind || mode === 'dense') {
    return { pipeline: session.cellPipeline(`linearize-${mode}`, () => linearizeWgsl(cell, mode)) };
  }
  const tag = `${plan.rowsPerInvocation}x${plan.workgroupSize}`;
  const words = gemmWeightsWords(cell, plan);
  const weights = session.buffers.lazy('gemmWeights', words * 4);
  if (!transposedWeights.has(session)) {
    const transpose = session.cellPipeline(`gemm-weights-${tag}`, () => gemmWeightsWgsl(cell, kind, plan));
    session.dispatchElements(transpose, { count: Math.ceil(words / webGpuDefaults.workgroupSize) }, [
      { buffer: session.cellParameters },
      { buffer: weights },
    ]);
    transposedWeights.add(session);
  }
  const pipeline = session.cellPipeline(`linearize-${mode}-tiled-${tag}`, () =>
    tiledLinearizeWgsl(cell, kind, mode, plan),
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
