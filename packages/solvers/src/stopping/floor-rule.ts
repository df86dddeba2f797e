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
  /**
   * How many of the latest iterations must be free of resets (and of magnitudes at the clip bound) before a
   * floor stop; default `solverDefaults.floorResetMemory`. Only the entries the history holds are seen.
   */
  readonly resetMemory?: number;
  /** The reset heuristic's clip bound; default `solverDefaults.resetBound`. */
  readonly resetBound?: number;
}

/** The rule's verdict for one sequence. */
export interface FloorDecision {
  /** Stop now: the step sits at the floor. */
  readonly stop: boolean;
  /** The floor estimate for this sequence (a step size, in state units). */
  readonly floor: number;
  /**
   * The latest step is finite and below the ceiling ε·M·T, and no reset is recent: the sequence may reach the
   * floor within a few iterations (`evaluate` then reads the status again within {@link floorStopHorizon}
   * iterations, so a floor stop is not delayed by the reads it skips).
   */
  readonly near: boolean;
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
  const latest = n > 0 ? (history.step[n - 1] as number) : Number.POSITIVE_INFINITY;
  const near = !recentReset && Number.isFinite(latest) && latest <= ceiling;
  if (n < window || !clean) return { stop: false, floor, near };
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
  return { stop: stalled && belowCeiling && meritNearFloor, floor, near };
}

/**
 * How many iterations from now the floor rule could first stop this sequence: the least k ≥ 1 such that, for
 * some values of the k iterations still to come, {@link floorDecision} on the history extended by them says
 * stop; `Infinity` when no extension can. Only what the known entries already rule out is used: a full
 * window needs n + k ≥ window entries; a reset, rejection or clipped magnitude among the known entries the
 * future window's reset memory still sees keeps it from stopping; and the window must look stalled — the
 * smallest step of its later half at least half the smallest of its earlier half — which a steadily
 * shrinking step rules out while the earlier half is all known and a known later step is below half of it.
 * `evaluate` reads the status again no later than this many iterations ahead, so skipping the reads in
 * between never delays a floor stop. Sound when the history keeps at least the reset memory's entries
 * (`evaluate` checks the session's history capacity; the default 64 keeps 32): a shorter history would drop a
 * known reset sooner than the memory does.
 *
 * @example
 * ```ts
 * floorStopHorizon({ step: [1, 0.1, 0.01, 1e-3, 1e-4, 1e-5], merit, magnitude, flags }, context); // 3
 * ```
 */
export function floorStopHorizon(history: SequenceHistory, context: FloorRuleContext): number {
  const window = context.window ?? solverDefaults.floorWindow;
  const memory = Math.max(window, context.resetMemory ?? solverDefaults.floorResetMemory);
  const bound = context.resetBound ?? solverDefaults.resetBound;
  const n = history.step.length;
  const half = window >> 1;
  const earlyCount = window - half;
  // The last known entry with a reset (or a magnitude at the clip bound); a stop needs it out of the memory.
  let lastReset = -1;
  for (let j = 0; j < n; j++) {
    const flags = history.flags[j] as number;
    const magnitude = history.magnitude[j] as number;
    if ((flags & (IterationFlag.reset | IterationFlag.rejected)) !== 0 || !(magnitude < bound)) lastReset = j;
  }
  for (let k = Math.max(1, window - n); k <= n + memory + window; k++) {
    const total = n + k;
    if (lastReset >= 0 && lastReset >= total - memory) continue;
    const first = total - window;
    // The window's earlier half, when all known: its smallest step; a stall needs every later step ≥ half of it.
    if (first + earlyCount <= n) {
      let early = Number.POSITIVE_INFINITY;
      for (let j = first; j < first + earlyCount; j++) early = Math.min(early, history.step[j] as number);
      let knownLate = Number.POSITIVE_INFINITY;
      for (let j = first + earlyCount; j < n; j++) knownLate = Math.min(knownLate, history.step[j] as number);
      // NaN steps make the window unclean (no stop); a known later step below half the earlier minimum
      // keeps the later minimum below it whatever comes.
      if (Number.isNaN(early) || Number.isNaN(knownLate) || knownLate < 0.5 * early) continue;
    }
    return k;
  }
  return Number.POSITIVE_INFINITY;
}
