/**
 * Encoding DEER's dense affine scan and ELK's dense Kalman step on a session's resident arrays.
 *
 * @module
 */

import { MAX_FULL_WGSL_DIM } from '@elk/kalman';
import type { KalmanStepOptions } from '@elk/solvers';
import { chunkPlan } from '../chunk-plan.ts';
import { webGpuDefaults } from '../defaults.ts';
import { WebGpuUnsupportedDimensionError } from '../errors.ts';
import { chunkCarryParams } from '../kernels/chunk-carry-scan.ts';
import { denseKalmanApplyWgsl } from './dense-kalman-apply.ts';
import {
  denseKalmanCarryWgsl,
  denseKalmanCarryWorkgroup,
  denseKalmanElementWords,
  denseKalmanReduceWgsl,
} from './dense-kalman-kernels.ts';
import { denseScanApplyWgsl, denseScanCarryWgsl, denseScanReduceWgsl } from './dense-scan-kernels.ts';
import { sessionParams } from './session-layout.ts';
import type { SessionView } from './session-view.ts';

/** The largest D of ELK's dense Kalman step: the defaults' limit, within `@elk/kalman`'s WGSL limit. */
export const maximumDenseKalmanDimension = Math.min(
  webGpuDefaults.maximumDenseKalmanDimension,
  MAX_FULL_WGSL_DIM,
);

/**
 * Records the dense affine scan x_t = A_t x_{t∓1} + b_t (x_0 = 0; A_1 = 0 in a session) into `output`.
 *
 * @throws {@link WebGpuUnsupportedDimensionError} for D > 64.
 */
export function encodeDenseScan(
  session: SessionView,
  matrices: GPUBuffer,
  offsets: GPUBuffer,
  output: GPUBuffer,
  reverse: boolean,
): void {
  const { context, batch, length, stateSize: D } = session;
  if (D > webGpuDefaults.maximumDenseDimension) {
    throw new WebGpuUnsupportedDimensionError(
      'stateSize',
      webGpuDefaults.maximumDenseDimension,
      D,
      'the dense affine scan (DEER)',
    );
  }
  const windows = session.windows(D * D);
  const { chunk, chunks } = chunkPlan(length, batch * (D + 1));
  const most = Math.max(...windows.map((window) => window.batchCount));
  const aggregates = session.buffers.lazy('denseAggregates', most * chunks * (D + 1) * D * 4);
  const carries = session.buffers.lazy('denseCarries', most * chunks * D * 4);
  const reduce = context.pipeline(`dense-scan/reduce/${D}`, () => denseScanReduceWgsl(D));
  const carry = context.pipeline(`dense-scan/carry/${D}`, () => denseScanCarryWgsl(D));
  const apply = context.pipeline(`dense-scan/apply/${D}`, () => denseScanApplyWgsl(D));
  session.pass((pass) => {
    for (const window of windows) {
      const base = { ...session.windowValues(window, D * D), chunk, chunks, smoother: reverse ? 1 : 0 };
      const matrixRange = context.windowBinding(matrices, length * D * D, window).range;
      const offsetRange = context.windowBinding(offsets, length * D, window).range;
      const outputRange = context.windowBinding(output, length * D, window).range;
      const reduceCount = window.batchCount * chunks * (D + 1);
      const applyCount = window.batchCount * chunks;
      const size = webGpuDefaults.workgroupSize;
      context.dispatch(
        pass,
        reduce,
        sessionParams.pack({ ...base, count: reduceCount }),
        [matrixRange, offsetRange, { buffer: aggregates }],
        Math.ceil(reduceCount / size),
      );
      context.dispatch(
        pass,
        carry,
        sessionParams.pack(base),
        [{ buffer: aggregates }, { buffer: carries }],
        window.batchCount,
      );
      context.dispatch(
        pass,
        apply,
        sessionParams.pack({ ...base, count: applyCount }),
        [matrixRange, offsetRange, { buffer: carries }, outputRange],
        Math.ceil(applyCount / size),
      );
    }
  }, 'dense-scan');
}

/**
 * Records ELK's dense Kalman step into the candidate (filter), or its smoother through a reverse dense scan.
 *
 * @throws {@link WebGpuUnsupportedDimensionError} for D > {@link maximumDenseKalmanDimension}.
 */
export function encodeDenseKalman(session: SessionView, options: KalmanStepOptions): void {
  const { context, batch, length, stateSize: D } = session;
  if (D > maximumDenseKalmanDimension) {
    throw new WebGpuUnsupportedDimensionError(
      'stateSize',
      maximumDenseKalmanDimension,
      D,
      'the dense Kalman step (ELK; use quasi-ELK for larger D)',
    );
  }
  const smoother = options.estimator === 'smoother';
  const windows = session.windows(D * D);
  const { chunk, chunks } = chunkPlan(length, batch);
  const most = Math.max(...windows.map((window) => window.batchCount));
  const elementBytes = denseKalmanElementWords(D) * 4;
  const aggregates = session.buffers.lazy('kalmanAggregates', most * chunks * elementBytes);
  const prefixes = session.buffers.lazy('kalmanPrefixes', most * chunks * elementBytes);
  const jacobian = session.buffers.lazy('dense', batch * length * D * D * 4);
  const gain = smoother ? session.buffers.lazy('denseGain', batch * length * D * D * 4) : undefined;
  const means = smoother ? session.buffers.lazy('correction', batch * length * D * 4) : session.candidate;
  const carrySize = denseKalmanCarryWorkgroup(D, context.capabilities.maxComputeWorkgroupStorageSize);
  const reduce = context.pipeline(`kalman-dense/reduce/${D}`, () => denseKalmanReduceWgsl(D));
  const carry = context.pipeline(`kalman-dense/carry/${D}/${carrySize}`, () =>
    denseKalmanCarryWgsl(D, carrySize),
  );
  const apply = context.pipeline(`kalman-dense/apply-${options.estimator}/${D}`, () =>
    denseKalmanApplyWgsl(D, smoother),
  );
  const lambda = options.lambda === 'session' ? 0 : options.lambda;
  session.pass((pass) => {
    for (const window of windows) {
      const count = window.batchCount * chunks;
      const values = {
        ...session.windowValues(window, D * D),
        count,
        chunk,
        chunks,
        lambda,
        lambda_session: options.lambda === 'session' ? 1 : 0,
      };
      const range = (buffer: GPUBuffer, perStep: number) =>
        context.windowBinding(buffer, length * perStep, window).range;
      const common = [range(jacobian, D * D), range(session.offset, D), range(session.iterate, D)];
      const groups = Math.ceil(count / webGpuDefaults.workgroupSize);
      const scratch = count * elementBytes;
      const aggregateRange = { buffer: aggregates, offset: 0, size: scratch };
      const prefixRange = { buffer: prefixes, offset: 0, size: scratch };
      const packed = sessionParams.pack(values);
      context.dispatch(pass, reduce, packed, [...common, aggregateRange, { buffer: session.status }], groups);
      const carryValues = { count: window.batchCount, chunks, batch_base: window.batchStart, channels: 1 };
      context.dispatch(
        pass,
        carry,
        chunkCarryParams.pack(carryValues),
        [aggregateRange, prefixRange],
        window.batchCount,
      );
      const outputs = gain ? [range(means, D), range(gain, D * D)] : [range(means, D)];
      context.dispatch(
        pass,
        apply,
        packed,
        [...common, prefixRange, { buffer: session.status }, ...outputs],
        groups,
      );
    }
  }, 'dense-kalman');
  if (gain) encodeDenseScan(session, gain, means, session.candidate, true);
}
