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

/** Records one `update` on the session's resident arrays. */
export function encodeUpdate(session: SessionView, options: UpdateOptions, values: SessionParamValues): void {
  const { context, stateSize: D, cell } = session;
  const windows = session.windows(D);
  if (!options.trustRegion) {
    const direct = context.pipeline(`session/update-direct/${D}`, () => updateDirectWgsl(D));
    for (const window of windows) {
      session.dispatchElements(direct, { ...session.windowValues(window, D), ...values }, [
        session.range(session.iterate, D, window),
        session.range(session.candidate, D, window),
        { buffer: session.partials },
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
        { buffer: session.partials },
        { buffer: session.status },
      ]);
    }
  }
  const finish = context.pipeline('session/finish-update', finishUpdateWgsl);
  session.finishSequences(
    finish,
    [{ buffer: session.partials }, { buffer: session.status }, { buffer: session.history }],
    values,
  );
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
