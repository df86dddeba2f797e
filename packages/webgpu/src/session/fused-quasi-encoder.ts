/**
 * Encoding the fused quasi-DEER iteration (see fused-quasi-kernels.ts) on a session's resident arrays.
 *
 * @module
 */

import { type ChunkPlan, chunkPlan } from '../chunk-plan.ts';
import { webGpuDefaults } from '../defaults.ts';
import { diagonalScanCarryWgsl } from '../kernels/affine-diagonal-scan.ts';
import { chunkCarryParams } from '../kernels/chunk-carry-scan.ts';
import { cellKey } from './cell-kernels.ts';
import { fusedQuasiApplyWgsl, fusedQuasiReduceWgsl } from './fused-quasi-kernels.ts';
import { type SessionParamValues, sessionParams } from './session-layout.ts';
import type { SessionView } from './session-view.ts';
import { finishLinearizeWgsl, finishUpdateWgsl } from './update-kernels.ts';

/** The chunks of the fused iteration: one invocation per (sequence, chunk), all D channels in registers. */
export function fusedChunkPlan(length: number, batch: number): ChunkPlan {
  return chunkPlan(length, batch);
}

/**
 * Records one fused quasi-DEER iteration: reduce, merit, carries, apply (into the candidate buffer), update
 * decision; then exchanges the iterate and candidate buffers. `update` holds the tolerance and reset values.
 */
export function encodeFusedQuasiIteration(session: SessionView, update: SessionParamValues): void {
  const { context, batch, length, stateSize: D, cell } = session;
  const { chunk, chunks } = fusedChunkPlan(length, batch);
  const windows = session.windows(D);
  const most = Math.max(...windows.map((window) => window.batchCount));
  const scratchBytes = most * D * chunks * 8;
  const aggregates = session.buffers.lazy('aggregates', scratchBytes);
  const prefixes = session.buffers.lazy('prefixes', scratchBytes);
  const key = cellKey(cell);
  const reduce = context.pipeline(`fused-quasi/reduce/${key}`, () => fusedQuasiReduceWgsl(cell));
  const apply = context.pipeline(`fused-quasi/apply/${key}`, () => fusedQuasiApplyWgsl(cell));
  const carry = context.pipeline('diagonal-scan/carry', diagonalScanCarryWgsl);
  const finishLinearize = context.pipeline('session/finish-linearize', finishLinearizeWgsl);
  const finishUpdate = context.pipeline('session/finish-update', finishUpdateWgsl);
  const size = webGpuDefaults.workgroupSize;
  const finishValues = {
    total_batch: batch,
    blocks: chunks,
    history_capacity: session.historyCapacity,
    ...update,
  };
  const range = (buffer: GPUBuffer, perStep: number, window: (typeof windows)[number]) =>
    context.windowBinding(buffer, length * perStep, window).range;
  session.pass((pass) => {
    const perWindow = windows.map((window) => {
      const count = window.batchCount * chunks;
      const values = sessionParams.pack({
        ...session.windowValues(window, D),
        ...update,
        count,
        chunk,
        chunks,
      });
      const common = [
        { buffer: session.cellParameters },
        range(session.inputs, cell.inputSize, window),
        { buffer: session.initialState },
        range(session.iterate, D, window),
        { buffer: session.partials },
        { buffer: session.status },
      ];
      const scratch = window.batchCount * D * chunks * 8;
      return { window, count, values, common, scratch };
    });
    // Window by window (the scratch is shared): reduce, merit of these sequences, carries, apply.
    for (const { window, count, values, common, scratch } of perWindow) {
      const aggregateRange = { buffer: aggregates, offset: 0, size: scratch };
      const prefixRange = { buffer: prefixes, offset: 0, size: scratch };
      context.dispatch(pass, reduce, values, [...common, aggregateRange], Math.ceil(count / size));
      const windowFinish = {
        ...finishValues,
        batch_base: window.batchStart,
        total_batch: window.batchStart + window.batchCount,
      };
      context.dispatch(
        pass,
        finishLinearize,
        sessionParams.pack(windowFinish),
        [{ buffer: session.partials }, { buffer: session.status }],
        window.batchCount,
      );
      const carryValues = {
        count: window.batchCount * D,
        chunks,
        batch_base: window.batchStart,
        channels: D,
      };
      context.dispatch(
        pass,
        carry,
        chunkCarryParams.pack(carryValues),
        [aggregateRange, prefixRange, { buffer: session.initialState }],
        window.batchCount * D,
      );
      const next = range(session.candidate, D, window);
      context.dispatch(pass, apply, values, [...common, prefixRange, next], Math.ceil(count / size));
    }
    context.dispatch(
      pass,
      finishUpdate,
      sessionParams.pack(finishValues),
      [{ buffer: session.partials }, { buffer: session.status }, { buffer: session.history }],
      batch,
    );
  }, 'fused-quasi');
  session.swapStates();
}
