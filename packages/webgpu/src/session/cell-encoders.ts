/**
 * Encoding the session kernels that evaluate the cell: `linearize` (then the per-sequence merit) and
 * `sequential`.
 *
 * @module
 */

import type { LinearizationMode } from '@elk/solvers';
import { webGpuDefaults } from '../defaults.ts';
import { linearizeWgsl, sequentialWgsl } from './cell-kernels.ts';
import { rowParallelSequentialWgsl, tiledLinearizeWgsl } from './gemm-cell-kernels.ts';
import { gemmGates, stagesRecurrentWeights, tiledLinearizePlan } from './gemm-tile-plan.ts';
import type { SessionView } from './session-view.ts';
import { finishLinearizeWgsl } from './update-kernels.ts';

/** Records `linearize(mode)`: f, A_t (per mode), b_t and the residual partials, then each sequence's merit. */
export function encodeLinearize(session: SessionView, mode: LinearizationMode): void {
  const { context, stateSize: D, cell } = session;
  const perStep = mode === 'dense' ? D * D : D;
  const jacobian = mode === 'none' ? undefined : session.jacobianBuffer(mode);
  const pipeline = linearizePipeline(session, mode);
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
    session.dispatchElements(pipeline, session.windowValues(window, perStep), bindings);
  }
  const finish = context.pipeline('session/finish-linearize', finishLinearizeWgsl);
  session.finishSequences(finish, [{ buffer: session.partials }, { buffer: session.status }]);
}

/**
 * The pipeline of `linearize(mode)`: the tiled kernel when chosen and applicable (a GRU or Elman cell, mode 'none' or
 * 'diagonal', a tile plan within the device's workgroup storage), else the per-element kernel. Both write the
 * same arrays over the same grid (one workgroup per block of W steps of a sequence).
 */
function linearizePipeline(session: SessionView, mode: LinearizationMode): GPUComputePipeline {
  const { cell, context } = session;
  const storage = context.capabilities.maxComputeWorkgroupStorageSize;
  const plan = tiledLinearizePlan(cell, mode, session.kernels.linearize, storage);
  const kind = cell.gemm;
  if (plan && kind && mode !== 'dense') {
    const key = `linearize-${mode}-tiled-${plan.tileRows}x${plan.chunk}`;
    return session.cellPipeline(key, () => tiledLinearizeWgsl(cell, kind, mode, plan));
  }
  return session.cellPipeline(`linearize-${mode}`, () => linearizeWgsl(cell, mode));
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
