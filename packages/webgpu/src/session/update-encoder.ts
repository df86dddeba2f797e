/**
 * Encoding `update` (unfused): the reset heuristic and step in one pass, or with a trust region a measuring
 * pass (the candidate's residual), the per-sequence decision, and the apply pass.
 *
 * @module
 */

import type { UpdateOptions } from '@elk/solvers';
import { webGpuDefaults } from '../defaults.ts';
import { floorRuleValues } from './floor-rule-wgsl.ts';
import type { SessionParamValues } from './session-layout.ts';
import type { SessionView } from './session-view.ts';
import { finishUpdateWgsl, updateApplyWgsl, updateDirectWgsl, updateMeasureWgsl } from './update-kernels.ts';

/**
 * The uniform values of an `update` call on a session of this length and history capacity (computed once per
 * call: they also key its replays). Throws `@elk/solvers`' input error for bad floor settings.
 */
export function updateValues(
  options: UpdateOptions,
  session: { readonly length: number; readonly historyCapacity: number },
): SessionParamValues {
  const { trustRegion } = options;
  return {
    ...floorRuleValues(options.floor, session.length, session.historyCapacity),
    tolerance: options.tolerance,
    criterion: options.criterion === 'merit' ? 1 : 0,
    reset: options.reset ? 1 : 0,
    reset_bound: options.resetBound ?? webGpuDefaults.resetBound,
    damping: options.damping ?? 1,
    trust: trustRegion ? 1 : 0,
    increase: trustRegion?.increase ?? 1,
    decrease: trustRegion?.decrease ?? 1,
    lambda_minimum: trustRegion?.minimum ?? 0,
    lambda_maximum: trustRegion?.maximum ?? 0,
  };
}

/**
 * The `finish-update` pipeline, and its bindings after the update's partials: with `merit` (the last
 * `linearize`'s merit not yet folded) the variant that folds it first from the session's partials.
 */
export function finishUpdate(
  session: SessionView,
  merit: boolean,
): { pipeline: GPUComputePipeline; bindings: GPUBufferBinding[]; values: SessionParamValues } {
  const { context } = session;
  const bindings = [{ buffer: session.status }, { buffer: session.history }];
  if (!merit) {
    return { pipeline: context.pipeline('session/finish-update', finishUpdateWgsl), bindings, values: {} };
  }
  return {
    pipeline: context.pipeline('session/finish-update-merit', () => finishUpdateWgsl(true)),
    bindings: [...bindings, { buffer: session.partials }],
    values: { merit_blocks: session.blocks },
  };
}

/**
 * The partials of `update`'s element pass: the session's own, or with `merit` pending a second array, since the
 * session's partials still hold `linearize`'s.
 */
export function updatePartials(session: SessionView, merit: boolean): GPUBuffer {
  if (!merit) return session.partials;
  return session.buffers.lazy('updatePartials', session.partials.size);
}

/**
 * Records one `update` on the session's resident arrays; with `merit`, the last `linearize`'s merit is folded
 * by `finish-update` (no trust region and the step criterion: nothing before the decision reads the merit).
 */
export function encodeUpdate(
  session: SessionView,
  options: UpdateOptions,
  values: SessionParamValues,
  merit = false,
): void {
  const { context, stateSize: D, cell } = session;
  const windows = session.windows(D);
  const partials = updatePartials(session, merit);
  if (!options.trustRegion) {
    // Where D is a multiple of 4 the kernel moves vec4s (its label says so).
    const label = D % 4 === 0 ? `session/update-direct/${D}/vec4` : `session/update-direct/${D}`;
    const direct = context.pipeline(label, () => updateDirectWgsl(D));
    for (const window of windows) {
      session.dispatchElements(direct, { ...session.windowValues(window, D), ...values }, [
        session.range(session.iterate, D, window),
        session.range(session.candidate, D, window),
        { buffer: partials },
        { buffer: session.status },
      ]);
    }
  } else {
    const measure = session.cellPipeline('update-measure', () => updateMeasureWgsl(cell));
    for (const window of windows) {
      session.dispatchElements(measure, { ...session.windowValues(window, D), ...values }, [
        { buffer: session.cellParameters },
        session.range(session.inputs, cell.inputSize, window),
        { buffer: session.initialState },
        session.range(session.iterate, D, window),
        session.range(session.candidate, D, window),
        { buffer: partials },
        { buffer: session.status },
      ]);
    }
  }
  const finish = finishUpdate(session, merit);
  session.finishSequences(finish.pipeline, [{ buffer: partials }, ...finish.bindings], {
    ...values,
    ...finish.values,
  });
  if (options.trustRegion) {
    const apply = context.pipeline(`session/update-apply/${D}`, () => updateApplyWgsl(D));
    for (const window of windows) {
      session.dispatchElements(apply, { ...session.windowValues(window, D), ...values }, [
        session.range(session.iterate, D, window),
        session.range(session.candidate, D, window),
        { buffer: session.status },
      ]);
    }
  }
}
