/**
 * Where the tolerance will stop a batch, predicted from its history, so that `evaluate` can read the status
 * right there and record no iteration past it (see `EvaluateOptions.predictStop`). The prediction only
 * decides when the status is read: every sequence still stops by the session's own rules, at the same
 * iteration, with the same states.
 *
 * @module
 */

import type { ConvergenceCriterion, Precision, SessionStatus } from '../backend.ts';
import { IterationFlag } from '../backend.ts';
import { unitRoundoff } from '../defaults.ts';

/** What the prediction needs besides the status. */
export interface StopPredictionContext {
  readonly tolerance: number;
  readonly criterion: ConvergenceCriterion;
  readonly precision: Precision;
}

/** The largest per-iteration ratio of the criterion counted as a geometric decrease. */
export const mostPredictedRatio = 0.8;

/**
 * Tolerances within this many unit round-offs of the state's magnitude are left to the floor rule: the steps
 * of a long scan stall near the rounding noise, so a geometric extrapolation there predicts a stop too early.
 */
const roundingMargin = 16;

/** The latest entries a sequence's ratio is taken over (two ratios: the slower one counts). */
const entriesSeen = 3;

/**
 * The loop iteration at which every running sequence is predicted to meet the tolerance, extrapolating the
 * geometric decrease of its criterion (the step, or the merit ‖r‖∞) over its last three iterations at the slower
 * of their two ratios (so a prediction errs late, where it costs an iteration, rather than early); undefined
 * unless every running sequence decreases by at most {@link mostPredictedRatio} per iteration, with finite
 * positive values, no reset or rejected iteration among them, and a tolerance well above its precision's
 * rounding at the state's magnitude (below it the floor rule stops sequences, which no extrapolation sees).
 *
 * @example
 * ```ts
 * const status = await session.readStatus(); // steps 3e-2, 9e-3, 3.6e-3 at iterations 6–8
 * predictedStop(status, { tolerance: 1e-4, criterion: 'step', precision: 'f32' }); // 12
 * ```
 */
export function predictedStop(status: SessionStatus, context: StopPredictionContext): number | undefined {
  const { history } = status;
  const { tolerance, criterion } = context;
  const unit = unitRoundoff(context.precision);
  let latest: number | undefined;
  for (let b = 0; b < status.active.length; b++) {
    if (status.active[b] === 0) continue;
    const count = history.count[b] ?? 0;
    if (count < entriesSeen) return undefined;
    const last = b * history.capacity + count - 1;
    const values = criterion === 'merit' ? history.merit : history.step;
    const [v0, v1, v2] = [last - 2, last - 1, last].map((at) => values[at] ?? Number.NaN) as [
      number,
      number,
      number,
    ];
    for (let at = last - 2; at <= last; at++) {
      if (((history.flags[at] ?? 0) & (IterationFlag.reset | IterationFlag.rejected)) !== 0) return undefined;
    }
    const magnitude = Math.max(Math.abs(history.magnitude[last] ?? Number.NaN), 1);
    if (!(tolerance > roundingMargin * unit * magnitude)) return undefined;
    if (!(v0 > 0 && v1 > 0 && v2 > tolerance && Number.isFinite(v0))) return undefined;
    const ratio = Math.max(v1 / v0, v2 / v1);
    if (!(ratio <= mostPredictedRatio)) return undefined;
    const remaining = Math.max(1, Math.ceil(Math.log(tolerance / v2) / Math.log(ratio)));
    latest = Math.max(latest ?? 0, status.iteration + remaining);
  }
  return latest;
}
