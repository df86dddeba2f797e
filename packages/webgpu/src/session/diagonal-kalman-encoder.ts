/**
 * Encoding quasi-ELK's step (see diagonal-kalman-kernels.ts) on a session's resident arrays.
 *
 * @module
 */

import type { KalmanStepOptions } from '@elk/solvers';
import { chunkPlan } from '../chunk-plan.ts';
import { webGpuDefaults } from '../defaults.ts';
import { chunkCarryParams } from '../kernels/chunk-carry-scan.ts';
import {
  kalmanDiagonalApplyWgsl,
  kalmanDiagonalCarryWgsl,
  kalmanDiagonalReduceWgsl,
} from './diagonal-kalman-kernels.ts';
import { sessionParams } from './session-layout.ts';
import type { SessionView } from './session-view.ts';

/** Bytes of one `KalmanDiagonalFilterElement` (five f32). */
const elementBytes = 20;

/**
 * Records the three passes of the diagonal Kalman step: filtered means into the candidate, or (smoother) the
 * reverse-scan elements into the session's `gain` and `correction` arrays.
 */
export function encodeDiagonalKalman(session: SessionView, options: KalmanStepOptions): void {
  const { context, batch, length, stateSize: D } = session;
  const { chunk, chunks } = chunkPlan(length, batch * D);
  const windows = session.windows(D);
  const most = Math.max(...windows.map((window) => window.batchCount));
  const scratchBytes = most * D * chunks * elementBytes;
  const aggregates = session.buffers.lazy('kalmanAggregates', scratchBytes);
  const prefixes = session.buffers.lazy('kalmanPrefixes', scratchBytes);
  const jacobian = session.buffers.lazy('diagonal', batch * length * D * 4);
  const smoother = options.estimator === 'smoother';
  const gain = smoother ? session.buffers.lazy('gain', batch * length * D * 4) : undefined;
  const means = smoother ? session.buffers.lazy('correction', batch * length * D * 4) : session.candidate;
  const reduce = context.pipeline(`kalman-diagonal/reduce/${D}`, () => kalmanDiagonalReduceWgsl(D));
  const carry = context.pipeline('kalman-diagonal/carry', kalmanDiagonalCarryWgsl);
  const apply = context.pipeline(`kalman-diagonal/apply-${options.estimator}/${D}`, () =>
    kalmanDiagonalApplyWgsl(D, smoother),
  );
  const lambda = options.lambda === 'session' ? 0 : options.lambda;
  session.pass((pass) => {
    for (const window of windows) {
      const range = (buffer: GPUBuffer) => context.windowBinding(buffer, length * D, window).range;
      const count = window.batchCount * chunks * D;
      const values = {
        ...session.windowValues(window, D),
        count,
        chunk,
        chunks,
        lambda,
        lambda_session: options.lambda === 'session' ? 1 : 0,
        smoother: smoother ? 1 : 0,
      };
      const groups = Math.ceil(count / webGpuDefaults.workgroupSize);
      const scratch = window.batchCount * D * chunks * elementBytes;
      const aggregateRange = { buffer: aggregates, offset: 0, size: scratch };
      const prefixRange = { buffer: prefixes, offset: 0, size: scratch };
      const common = [range(jacobian), range(session.offset), range(session.iterate)];
      const packed = sessionParams.pack(values);
      context.dispatch(pass, reduce, packed, [...common, aggregateRange, { buffer: session.status }], groups);
      const carryValues = {
        count: window.batchCount * D,
        chunks,
        batch_base: window.batchStart,
        channels: D,
        has_initial: 0,
      };
      context.dispatch(
        pass,
        carry,
        chunkCarryParams.pack(carryValues),
        [aggregateRange, prefixRange],
        window.batchCount * D,
      );
      const outputs = gain ? [range(means), range(gain)] : [range(means)];
      context.dispatch(
        pass,
        apply,
        packed,
        [...common, prefixRange, { buffer: session.status }, ...outputs],
        groups,
      );
    }
  }, 'diagonal-kalman');
}
