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
  /** Whether `update` runs a trust region: its step rule scales the step by 1 + λ, so nothing is predicted. */
  readonly trustRegion?: boolean;
}

/** The largest per-iteration ratio of the criterion counted as a geometric decrease. */
export const mostPredictedRatio = 0.8;

/**
 * Tolerances within this many unit round-offs of the state's magnitude are left to the floor rule: the steps
 * of a long scan stall near the rounding noise, so a geometric extrapolation there predicts a stop too early.
 */
const roundingMargin = 16;

/**
 * The latest entries a sequence's rate is taken over: the geometric mean of three ratios. Measured on flax GRUs
 * (quasi-DEER, B = 16, D = 4–32, T = 3·10³–3·10⁴, tolerance 1e-4, 39 problems), the prediction of the last
 * read before the stop was exact in 20 and one or two iterations late in 17, never early; the slower of the
 * last two ratios was 2–8 late in 24, and the mean of the last four ratios early in 2.
 */
const entriesSeen = 4;

/**
 * The loop iteration at which every running sequence is predicted to meet the tolerance, extrapolating the
 * geometric decrease of its criterion (the step, or the merit ‖r‖∞) at its mean rate over its last four
 * iterations; undefined unless every running sequence decreased at every one of them, by at most
 * {@link mostPredictedRatio} per iteration on the mean, with finite positive values, no reset or rejected
 * iteration among them, and a tolerance well above its precision's rounding at the state's magnitude (below it
 * the floor rule stops sequences, which no extrapolation sees); never under a trust region (whose rule reads
 * (1 + λ)·step, with λ moving as steps are accepted or rejected).
 *
 * @example
 * ```ts
 * const status = await session.readStatus(); // steps 8e-2, 3e-2, 9e-3, 3.6e-3 at iterations 5–8
 * predictedStop(status, { tolerance: 1e-4, criterion: 'step', precision: 'f32' }); // 12
 * ```
 */
export function predictedStop(status: SessionStatus, context: StopPredictionContext): number | undefined {
  const { history } = status;
  const { tolerance, criterion } = context;
  if (context.trustRegion) return undefined;
  const unit = unitRoundoff(context.precision);
  let latest: number | undefined;
  for (let b = 0; b < status.active.length; b++) {
    if (status.active[b] === 0) continue;
    const count = history.count[b] ?? 0;
    if (count < entriesSeen) return undefined;
    const last = b * history.capacity + count - 1;
    const values = criterion === 'merit' ? history.merit : history.step;
    const first = last - (entriesSeen - 1);
    for (let at = first; at <= last; at++) {
      if (((history.flags[at] ?? 0) & (IterationFlag.reset | IterationFlag.rejected)) !== 0) return undefined;
      const value = values[at] ?? Number.NaN;
      if (!(value > 0 && Number.isFinite(value))) return undefined;
      if (at > first && !(value < (values[at - 1] as number))) return undefined;
    }
    const magnitude = Math.max(Math.abs(history.magnitude[last] ?? Number.NaN), 1);
    if (!(tolerance > roundingMargin * unit * magnitude)) return undefined;
    const latestValue = values[last] as number;
    if (!(latestValue > tolerance)) return undefined;
    const ratio = (latestValue / (values[first] as number)) ** (1 / (entriesSeen - 1));
    if (!(ratio <= mostPredictedRatio)) return undefined;
    const remaining = Math.max(1, Math.ceil(Math.log(tolerance / latestValue) / Math.log(ratio)));
    latest = Math.max(latest ?? 0, status.iteration + remaining);
  }
  return latest;
}
