/**
 * The precision-aware "floor" stopping rule. Sessions run it in `update` (`UpdateOptions.floor`; the WebGPU
 * backend runs a WGSL transcription of {@link floorDecision} on the device); `evaluate` reports each sequence's
 * floor estimate from its final history.
 *
 * A fixed absolute step tolerance (the reference's 1e-4 in f32) meets the rounding floor of a long f32 scan and
 * is crossed only by chance. This rule stops a sequence when its step has reached the floor the precision
 * allows: the step has stopped decreasing over a window, sits below an a-priori ceiling of accumulated
 * rounding, the merit is not far above it, and neither the reset heuristic nor the trust region acted in the
 * window.
 *
 * @module
 */

import type { FloorRuleOptions, IterationHistory, Precision } from '../backend.ts';
import { IterationFlag } from '../backend.ts';
import { solverDefaults, unitRoundoff } from '../defaults.ts';
import { describeValue, SolverInputError } from '../errors.ts';

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
  /**
   * How many of the latest iterations must be free of resets (and of magnitudes at the clip bound) before a
   * floor stop; default `solverDefaults.floorResetMemory`. Only the entries the history holds are seen.
   */
  readonly resetMemory?: number;
  /** The reset heuristic's clip bound; default `solverDefaults.resetBound`. */
  readonly resetBound?: number;
}

/** {@link FloorRuleOptions} with every default filled in, as a session's `update` runs the rule. */
export interface FloorRuleSettings {
  readonly window: number;
  readonly resetMemory: number;
  readonly resetBound: number;
}

/** The most iterations the floor rule's window may span (a GPU backend sorts them in registers). */
export const mostFloorWindow = 64;

/**
 * Validates {@link FloorRuleOptions} for a session whose history keeps `capacity` entries and fills in the
 * defaults; throws a {@link SolverInputError} naming the bad field.
 *
 * @example
 * ```ts
 * floorRuleSettings({}, 64); // { window: 6, resetMemory: 32, resetBound: 1e8 }
 * ```
 */
export function floorRuleSettings(options: FloorRuleOptions, capacity: number): FloorRuleSettings {
  if (typeof options !== 'object' || options === null) {
    throw new SolverInputError('floor', 'an object of floor-rule settings', describeValue(options));
  }
  const window = options.window ?? solverDefaults.floorWindow;
  const most = Math.min(mostFloorWindow, capacity);
  if (!(Number.isInteger(window) && window >= 2 && window <= most)) {
    throw new SolverInputError('floor.window', `an integer from 2 to ${most}`, describeValue(window));
  }
  const resetMemory = options.resetMemory ?? solverDefaults.floorResetMemory;
  if (!(Number.isInteger(resetMemory) && resetMemory >= 0)) {
    throw new SolverInputError('floor.resetMemory', 'an integer ≥ 0', describeValue(resetMemory));
  }
  const resetBound = options.resetBound ?? solverDefaults.resetBound;
  if (!(typeof resetBound === 'number' && resetBound > 0)) {
    throw new SolverInputError('floor.resetBound', 'a number > 0', describeValue(resetBound));
  }
  return { window, resetMemory, resetBound };
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
 * With ε the unit round-off, T the length, W the window and M the *smallest* state magnitude in the window
 * (a sane scale: an iterate at the floor barely changes, so its magnitudes agree; a wild iterate's peak must not
 * inflate the scale):
 * - u = ε·max(M, 1) is one rounding at the state's scale; the ceiling u·T bounds the rounding a stable
 *   recurrence of T steps can accumulate; the noise level is the median step over the window.
 * - The floor estimate is the noise level clamped to [u, u·T].
 * - Stop only when all hold: none of the last `resetMemory` iterations was reset, rejected or had a magnitude
 *   at the clip bound (a reset iterate is no converged one, even when the reset fired before the window);
 *   W iterations recorded, every step in the window finite; the step stopped decreasing (the smallest of the
 *   last ⌊W/2⌋ steps is at least half the smallest before them, and not every step was smaller than the one
 *   before: a geometric decrease never counts as a floor); the noise level and every one of the last ⌊W/2⌋
 *   steps are below the ceiling; and the latest merit ‖r‖∞ is within 10× the floor estimate (which is at most
 *   the ceiling, so a huge noise level never excuses a huge merit).
 *
 * @example
 * ```ts
 * const status = await session.readStatus();
 * const { stop, floor } = floorDecision(sequenceHistory(status.history, 0), { precision: 'f32', length: 30_000 });
 * ```
 */
export function floorDecision(history: SequenceHistory, context: FloorRuleContext): FloorDecision {
  const window = context.window ?? solverDefaults.floorWindow;
  const memory = Math.max(window, context.resetMemory ?? solverDefaults.floorResetMemory);
  const bound = context.resetBound ?? solverDefaults.resetBound;
  const epsilon = unitRoundoff(context.precision);
  const n = history.step.length;
  let recentReset = false;
  for (let j = Math.max(0, n - memory); j < n; j++) {
    const flags = history.flags[j] as number;
    const magnitude = history.magnitude[j] as number;
    if ((flags & (IterationFlag.reset | IterationFlag.rejected)) !== 0 || !(magnitude < bound))
      recentReset = true;
  }
  const first = Math.max(0, n - window);
  let magnitude = Number.POSITIVE_INFINITY;
  for (let j = first; j < n; j++) magnitude = Math.min(magnitude, history.magnitude[j] as number);
  const unit = epsilon * Math.max(n > 0 ? magnitude : 0, 1);
  const ceiling = unit * context.length;
  const steps: number[] = [];
  let finite = true;
  for (let j = first; j < n; j++) {
    const step = history.step[j] as number;
    if (!Number.isFinite(step)) finite = false;
    steps.push(step);
  }
  const clean = finite && !recentReset;
  const noise = steps.length > 0 && clean ? median(steps) : Number.POSITIVE_INFINITY;
  const floor = Math.min(Math.max(noise, unit), ceiling);
  if (n < window || !clean) return { stop: false, floor };
  const half = window >> 1;
  const early = Math.min(...steps.slice(0, window - half));
  const lateSteps = steps.slice(window - half);
  const late = Math.min(...lateSteps);
  let decreases = 0;
  for (let j = 1; j < steps.length; j++) if ((steps[j] as number) < (steps[j - 1] as number)) decreases++;
  const stalled = late >= 0.5 * early && decreases < steps.length - 1;
  const belowCeiling = noise <= ceiling && Math.max(...lateSteps) <= ceiling;
  const merit = history.merit[n - 1] as number;
  const meritNearFloor = merit <= 10 * floor;
  return { stop: stalled && belowCeiling && meritNearFloor, floor };
}
