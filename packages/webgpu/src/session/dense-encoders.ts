/**
 * Encoding DEER's dense affine scan and ELK's dense Kalman step on a session's resident arrays.
 *
 * @module
 */

import type { KalmanStepOptions } from '@elk/solvers';
import { webGpuDefaults } from '../defaults.ts';
import { WebGpuUnsupportedDimensionError } from '../errors.ts';
import type { SessionView } from './gpu-session.ts';

/** Records the dense affine scan c_t = A_t c_{t−1} + b_t into the candidate. */
export function encodeDenseScan(session: SessionView, _jacobian: GPUBuffer): void {
  if (session.stateSize > webGpuDefaults.maximumDenseDimension) {
    throw new WebGpuUnsupportedDimensionError(
      'stateSize',
      webGpuDefaults.maximumDenseDimension,
      session.stateSize,
      'the dense affine scan (DEER)',
    );
  }
  throw new WebGpuUnsupportedDimensionError(
    'stateSize',
    0,
    session.stateSize,
    'the dense affine scan (pending)',
  );
}

/** Records ELK's dense Kalman step into the candidate. */
export function encodeDenseKalman(session: SessionView, _options: KalmanStepOptions): void {
  throw new WebGpuUnsupportedDimensionError(
    'stateSize',
    webGpuDefaults.maximumDenseKalmanDimension,
    session.stateSize,
    'the dense Kalman step (ELK)',
  );
}
