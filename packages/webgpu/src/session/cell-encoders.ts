/**
 * Encoding the session kernels that evaluate the cell: `linearize` (then the per-sequence merit) and
 * `sequential`.
 *
 * @module
 */

import type { LinearizationMode } from '@elk/solvers';
import { webGpuDefaults } from '../defaults.ts';
import { linearizeWgsl, sequentialWgsl } from './cell-kernels.ts';
import type { SessionView } from './session-view.ts';
import { finishLinearizeWgsl } from './update-kernels.ts';

/** Records `linearize(mode)`: f, A_t (per mode), b_t and the residual partials, then each sequence's merit. */
export function encodeLinearize(session: SessionView, mode: LinearizationMode): void {
  const { context, stateSize: D, cell } = session;
  const perStep = mode === 'dense' ? D * D : D;
  const jacobian = mode === 'none' ? undefined : session.jacobianBuffer(mode);
  const pipeline = session.cellPipeline(`linearize-${mode}`, () => linearizeWgsl(cell, mode));
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

/** Records `sequential()`: one invocation per sequence writes s_t = f(s_{t−1}, u_t) into the iterate. */
export function encodeSequential(session: SessionView): void {
  const { stateSize: D, cell } = session;
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
