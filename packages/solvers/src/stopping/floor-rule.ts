/**
 * The precision-aware "floor" stopping rule (host side, shared by every backend through `evaluate`).
 *
 * A fixed absolute step tolerance (the reference's 1e-4 in f32) meets the rounding floor of a long f32 scan and
 * is crossed only by chance. This rule stops a sequence when its step has reached the floor the precision
 * allows: the step has stopped decreasing over a window, sits below an a-priori ceiling of accumulated
 * rounding, the merit is not far above it, and neither the reset heuristic nor the trust region acted in the
 * window.
 *
 * @module
 */

import type { IterationHistory, Precision } from '../backend.ts';
import { IterationFlag } from '../backend.ts';
import { solverDefaults, unitRoundoff } from '../defaults.ts';

/** One sequence's recent iterations, oldest first (see {@link IterationHistory}). */
export interface SequenceHistory {
  readonly step: ArrayLike<number>;
  readonly merit: ArrayLike<number>;
  readonly magnitude: ArrayLike<number>;
  readonly flags: ArrayLike<number>;
}

/** What the floor rule needs to know about the problem. */
export interface FloorRuleContext {
  readonly precision: Precision;
  /** T, the sequence length. */
  readonly length: number;
  /** Iterations examined; default `solverDefaults.floorWindow`. */
  readonly window?: number;
}

/** The rule's verdict for one sequence. */
export interface FloorDecision {
  /** Stop now: the step sits at the floor. */
  readonly stop: boolean;
  /** The floor estimate for this sequence (a step size, in state units). */
  readonly floor: number;
}

/**
 * Sequence `sequence`'s entries of a batch history, as views (no copy), for {@link floorDecision}.
 *
 * @example
 * ```ts
 * const { step } = sequenceHistory((await session.readStatus()).history, 0); // oldest first
 * ```
 */
export function sequenceHistory(history: IterationHistory, sequence: number): SequenceHistory {
  const start = sequence * history.capacity;
  const end = start + (history.count[sequence] ?? 0);
  return {
    step: history.step.subarray(start, end),
    merit: history.merit.subarray(start, end),
    magnitude: history.magnitude.subarray(start, end),
    flags: history.flags.subarray(start, end),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : 0.5 * ((sorted[middle - 1] as number) + (sorted[middle] as number));
}

/**
 * Decides whether a sequence's step has reached the rounding floor of its precision.
 *
 * With ε the unit round-off, M the largest state magnitude in the window, T the length and W the window:
 * - u = ε·max(M, 1) is one rounding at the state's scale; the ceiling u·T bounds the rounding a stable
 *   recurrence of T steps can accumulate; the noise level is the median step over the window.
 * - The floor estimate is the noise level clamped to [u, u·T].
 * - Stop when all hold over the last W iterations: every step finite and no reset/rejection flag; the step
 *   stopped decreasing (the smallest of the last ⌊W/2⌋ steps is at least half the smallest before them, and not
 *   every step was smaller than the one before: a geometric decrease never counts as a floor); the noise level
 *   is below the ceiling; and the latest merit ‖r‖∞ is within 10× the larger of the noise level and u.
 *
 * @example
 * ```ts
 * const status = await session.readStatus();
 * const { stop, floor } = floorDecision(sequenceHistory(status.history, 0), { precision: 'f32', length: 30_000 });
 * ```
 */
export function floorDecision(history: SequenceHistory, context: FloorRuleContext): FloorDecision {
  const window = context.window ?? solverDefaults.floorWindow;
  const epsilon = unitRoundoff(context.precision);
  const n = history.step.length;
  const first = Math.max(0, n - window);
  let magnitude = 0;
  for (let j = first; j < n; j++) magnitude = Math.max(magnitude, history.magnitude[j] as number);
  const unit = epsilon * Math.max(magnitude, 1);
  const ceiling = unit * context.length;
  const steps: number[] = [];
  let clean = true;
  for (let j = first; j < n; j++) {
    const step = history.step[j] as number;
    const flags = history.flags[j] as number;
    if (!Number.isFinite(step) || (flags & (IterationFlag.reset | IterationFlag.rejected)) !== 0)
      clean = false;
    steps.push(step);
  }
  const noise = steps.length > 0 && clean ? median(steps) : Number.POSITIVE_INFINITY;
  const floor = Math.min(Math.max(noise, unit), ceiling);
  if (n < window || !clean) return { stop: false, floor };
  const half = window >> 1;
  const early = Math.min(...steps.slice(0, window - half));
  const late = Math.min(...steps.slice(window - half));
  let decreases = 0;
  for (let j = 1; j < steps.length; j++) if ((steps[j] as number) < (steps[j - 1] as number)) decreases++;
  const stalled = late >= 0.5 * early && decreases < steps.length - 1;
  const merit = history.merit[n - 1] as number;
  const meritNearFloor = merit <= 10 * Math.max(noise, unit);
  return { stop: stalled && noise <= ceiling && meritNearFloor, floor };
}
