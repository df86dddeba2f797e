/**
 * Encoding `update` fused into the apply pass of `solveAffine('diagonal')`'s scan (see scan-update-kernels.ts),
 * then `finish-update` over the per-chunk partials.
 *
 * @module
 */

import { diagonalScanWindows } from '../affine-diagonal-scan.ts';
import { chunkPlan } from '../chunk-plan.ts';
import { scanUpdateParams, scanUpdateWgsl, updateInScanValues } from './scan-update-kernels.ts';
import { partialWords, type SessionParamValues, sequenceStateWords } from './session-layout.ts';
import type { SessionView } from './session-view.ts';
import { finishUpdate } from './update-encoder.ts';

/** The scan's arrays of a session's `solveAffine('diagonal')`, with its skip of stopped sequences. */
function scanBuffers(session: SessionView) {
  return {
    a: session.jacobianBuffer('diagonal'),
    b: session.offset,
    x: session.candidate,
    running: { buffer: session.status, stride: sequenceStateWords },
  };
}

/**
 * Whether a session can fuse: every array of the iteration (the session's windows), the scan's own arrays and
 * the fused pass's partials (bound whole) fit one storage binding each, so that one window covers all
 * sequences of all of them.
 */
export function scanUpdateFits(session: SessionView): boolean {
  const { context, batch, length, stateSize: D } = session;
  const { chunks } = chunkPlan(length, batch * D);
  const partialBytes = chunks * D * partialWords * 4;
  return (
    session.windows(D).length === 1 &&
    context.sequenceWindows(batch, [length * D * 4, partialBytes], 'a').length === 1
  );
}

/**
 * Records the fused apply + `update` pass and `finish-update` (after the scan's prefixes were recorded); with
 * `merit`, `finish-update` folds the last `linearize`'s merit first.
 */
export function encodeScanUpdate(session: SessionView, values: SessionParamValues, merit = false): void {
  const { context, stateSize: D, batch, length } = session;
  const shape = { batch, length, dim: D };
  const [window] = diagonalScanWindows(context, scanBuffers(session), shape, session.scanScratch());
  if (!window) return;
  const entries = (window.values.chunks ?? 0) * D;
  const partials = session.buffers.lazy('scanPartials', batch * entries * partialWords * 4);
  const iterate = context.windowBinding(session.iterate, length * D, {
    batchStart: window.batchStart,
    batchCount: window.batchCount,
  });
  const pipeline = context.pipeline('session/scan-update', scanUpdateWgsl);
  const uniform = scanUpdateParams.pack({
    ...window.values,
    offset_iterate: iterate.residual,
    ...updateInScanValues(values),
  });
  session.pass(
    (pass) =>
      context.dispatch(
        pass,
        pipeline,
        uniform,
        [
          window.a,
          window.b,
          window.prefixes,
          window.x,
          { buffer: session.status },
          iterate.range,
          { buffer: partials },
        ],
        window.groups,
      ),
    'session/scan-update',
  );
  const finish = finishUpdate(session, merit);
  session.finishSequences(finish.pipeline, [{ buffer: partials }, ...finish.bindings], {
    ...values,
    ...finish.values,
    blocks: entries,
  });
}
