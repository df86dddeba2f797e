/**
 * The Backend contract: the handful of primitives every method of `@elk/solvers` is composed from.
 *
 * A {@link Backend} creates a {@link Session} per problem. The session owns backend-resident arrays
 * (on the CPU typed arrays, on WebGPU buffers) that never leave the backend between iterations:
 *
 * - the iterate s [B, T, D] (starts as the initial guess, zeros by default),
 * - the linearisation (A_t, b_t): A absent (`'none'`), diagonal [B, T, D] or dense [B, T, D, D]; b [B, T, D],
 * - the candidate c [B, T, D] (what a solve produced, not yet accepted),
 * - per sequence: the merit of the iterate, the active flag, the iteration count, λ, and a short
 *   history of the last iterations (step, merit, state magnitude, flags).
 *
 * The methods, in terms of the primitives (s_0 is the initial state, fixed):
 *
 * | method | one iteration |
 * |---|---|
 * | jacobi | `linearize('none')`, `solveAffine('none')`, `update(…)` |
 * | deer | `linearize('dense')`, `solveAffine('dense')`, `update(…)` |
 * | quasi-deer | `linearize('diagonal')`, `solveAffine('diagonal')`, `update(…)` |
 * | elk | `linearize('dense')`, `solveKalman({ mode: 'dense', … })`, `update(…)` |
 * | quasi-elk | `linearize('diagonal')`, `solveKalman({ mode: 'diagonal', … })`, `update(…)` |
 * | sequential | `sequential()` |
 *
 * No primitive needs a host read: a GPU backend enqueues them, and the host reads the small
 * {@link SessionStatus} only every k iterations (`checkEvery`), with up to `readAhead` reads in flight while
 * it records the next iterations. Both stopping rules are decided inside {@link Session.update} (on the device
 * for a GPU backend): the tolerance, and the precision-aware "floor" rule over each sequence's history
 * ({@link UpdateOptions.floor}), so a sequence stops at the same iteration however often the host reads. A
 * host rule of one's own can stop sequences with {@link Session.setActive}.
 *
 * Primitives never change a sequence that is not active: `update` leaves its iterate, count and history
 * alone (a backend may also skip it in `linearize` and the solves).
 *
 * @module
 */

import type { Cell, FloatArray } from '@elk/cells';

/** The floating-point precision a session computes in. */
export type Precision = 'f32' | 'f64';

/**
 * Which Jacobian the linearisation keeps: `'none'` (A_t = 0, Jacobi/Picard), `'diagonal'` (diag ∂f/∂s,
 * the quasi methods) or `'dense'` (the full ∂f/∂s, DEER and ELK).
 */
export type LinearizationMode = 'none' | 'diagonal' | 'dense';

/**
 * The ELK estimator: `'smoother'` is the exact Levenberg–Marquardt step (the Kalman smoother's mean);
 * `'filter'` returns the Kalman filter's means, which is what the authors' code computes (and so what the
 * paper's figures show).
 */
export type KalmanEstimator = 'smoother' | 'filter';

/**
 * Convergence criterion checked by {@link Session.update}: `'step'` stops when
 * max_t,d |s^(i+1) − s^(i)| ≤ tolerance (the reference rule); `'merit'` stops when
 * ‖r(s^(i))‖∞ ≤ tolerance with r_t = s_t − f(s_{t−1}, u_t).
 */
export type ConvergenceCriterion = 'step' | 'merit';

/** Bits of {@link IterationHistory.flags}. */
export const IterationFlag = {
  /** The reset heuristic clipped a value to ±bound or replaced a NaN by 0 in this iteration's candidate. */
  reset: 1,
  /** The trust-region test rejected the candidate (the iterate was kept, λ raised). */
  rejected: 2,
  /** The step contained a NaN (only possible with the reset heuristic off). */
  notFinite: 4,
} as const;

/** A problem handed to {@link Backend.createSession}. Shapes are row-major. */
export interface SolverProblem {
  /** The recurrence s_t = f(s_{t−1}, u_t). */
  readonly cell: Cell;
  /** B, the number of independent sequences. */
  readonly batch: number;
  /** T ≥ 1, the sequence length. */
  readonly length: number;
  /** u_1..u_T, [B, T, I]. Its array type sets the precision on the CPU. */
  readonly inputs: FloatArray;
  /** s_0, [B, D]. */
  readonly initialState: FloatArray;
  /** s^(0), [B, T, D]; zeros when absent. */
  readonly initialGuess?: FloatArray;
  /** H, how many iterations per sequence the history keeps (see {@link IterationHistory}); default 64. */
  readonly historyCapacity?: number;
}

/** Options of {@link Session.solveKalman}: ELK's Levenberg–Marquardt step. */
export interface KalmanStepOptions {
  /** `'dense'` (ELK) or `'diagonal'` (quasi-ELK: D independent scalar problems). */
  readonly mode: 'dense' | 'diagonal';
  /** Smoother (exact LM step) or filter (the authors' code). */
  readonly estimator: KalmanEstimator;
  /**
   * λ = 1/σ² ≥ 0 for every sequence, or `'session'` to use each sequence's own λ (set by
   * {@link Session.setLambda} and adapted by {@link UpdateOptions.trustRegion}).
   */
  readonly lambda: number | 'session';
}

/**
 * Levenberg–Marquardt's classic trust-region schedule, applied per sequence by {@link Session.update}:
 * the candidate is accepted when ‖r(c)‖₂² ≤ ‖r(s)‖₂², then λ ← max(λ·decrease, minimum); otherwise the
 * iterate is kept and λ ← min(λ·increase, maximum). With a trust region the step criterion reads
 * (1 + λ)·step ≤ tolerance (λ after the update): a short step under a large λ is no sign of convergence.
 */
export interface TrustRegionOptions {
  readonly increase: number;
  readonly decrease: number;
  readonly minimum: number;
  readonly maximum: number;
}

/** Options of {@link Session.update}. */
export interface UpdateOptions {
  /** The tolerance of {@link UpdateOptions.criterion}. */
  readonly tolerance: number;
  /** Which quantity the tolerance applies to. */
  readonly criterion: ConvergenceCriterion;
  /** The reset heuristic: clip the candidate to ±`resetBound` and replace NaN by 0. */
  readonly reset: boolean;
  /** The clip bound of the reset heuristic; default 1e8 (the reference's). */
  readonly resetBound?: number;
  /** α in s ← s + α (c − s); default 1 (take the full step). For damped Newton and similar solvers. */
  readonly damping?: number;
  /**
   * Accept the candidate only when its merit ‖r‖₂² is no higher than the iterate's (or the step is zero), and
   * adapt λ (see {@link TrustRegionOptions}).
   */
  readonly trustRegion?: TrustRegionOptions;
  /**
   * Also stop a sequence by the precision-aware floor rule (`floorDecision` over its history, the new entry
   * included, in the session's precision and length) when the tolerance did not stop it; absent: off.
   */
  readonly floor?: FloorRuleOptions;
}

/**
 * The floor rule's settings for {@link UpdateOptions.floor} (see `floorDecision`); every field defaults to
 * `solverDefaults` (`{}` is the rule as `evaluate` runs it).
 */
export interface FloorRuleOptions {
  /** Iterations examined, 2 to 64 and at most the history capacity; default `solverDefaults.floorWindow`. */
  readonly window?: number;
  /** Iterations that must be free of resets before a stop; default `solverDefaults.floorResetMemory`. */
  readonly resetMemory?: number;
  /** The clip bound a magnitude must stay below; default `solverDefaults.resetBound`. */
  readonly resetBound?: number;
}

/**
 * The per-sequence history of the last iterations, oldest first. Entry j of sequence b is at
 * `b * capacity + j` for j < `count[b]`.
 *
 * The entry of iteration i holds step_i = max_t,d |s^(i+1) − s^(i)| (after the reset heuristic, before
 * damping), merit_i = ‖r(s^(i))‖∞ (from the `linearize` that preceded the update), the magnitude
 * max_t,d |s^(i+1)| and {@link IterationFlag} bits.
 */
export interface IterationHistory {
  /** H, the entries kept per sequence. */
  readonly capacity: number;
  /** [B] the number of valid entries per sequence, min(H, iterations recorded). */
  readonly count: Uint32Array;
  /** [B, H] step sizes. NaN when the candidate had a NaN. */
  readonly step: Float64Array;
  /** [B, H] ‖r(s^(i))‖∞. */
  readonly merit: Float64Array;
  /** [B, H] max |s^(i+1)|. */
  readonly magnitude: Float64Array;
  /** [B, H] {@link IterationFlag} bits. */
  readonly flags: Uint8Array;
}

/** A small snapshot of a session, read every k iterations. */
export interface SessionStatus {
  /** `update` calls since the session began (the loop's iteration). */
  readonly iteration: number;
  /** [B] 1 while the sequence iterates; 0 once stopped (by `update`'s rules, or by `setActive`). */
  readonly active: Uint8Array;
  /** [B] 1 when `update` stopped the sequence because its criterion met the tolerance. */
  readonly toleranceMet: Uint8Array;
  /** [B] 1 when `update` stopped the sequence by the floor rule ({@link UpdateOptions.floor}). */
  readonly floorMet: Uint8Array;
  /** [B] iterations applied to each sequence while it was active. */
  readonly iterations: Uint32Array;
  /** [B] each sequence's λ (see {@link Session.setLambda}). */
  readonly lambda: Float64Array;
  /** The recent history per sequence. */
  readonly history: IterationHistory;
}

/** Which state array a read or write addresses: the iterate s or the candidate c. */
export type StateSlot = 'iterate' | 'candidate';

/**
 * A problem resident on a backend, with the primitives the methods are composed from. Primitives other than
 * the reads are enqueued: their effects are visible to later calls, and a GPU backend does not wait for them.
 */
export interface Session {
  /** The precision the session computes in. */
  readonly precision: Precision;
  /** B. */
  readonly batch: number;
  /** T. */
  readonly length: number;
  /** D, the cell's state size. */
  readonly stateSize: number;

  /**
   * Linearise f around the iterate: A_t = ∂f/∂s(s_{t−1}, u_t) (per `mode`), b_t = f(s_{t−1}, u_t) − A_t s_{t−1},
   * with s_0 the initial state; and record each sequence's merit ‖r(s)‖∞ and ‖r(s)‖₂², where
   * r_t = s_t − f(s_{t−1}, u_t).
   */
  linearize(mode: LinearizationMode): void;
  /**
   * Solve the linear recurrence c_t = A_t c_{t−1} + b_t, c_0 = s_0 (a parallel scan), into the candidate.
   * `mode` must be the one of the last `linearize` (`'none'`: c_t = b_t = f(s_{t−1}, u_t)).
   */
  solveAffine(mode: LinearizationMode): void;
  /**
   * ELK's step into the candidate: the minimiser (smoother) of
   * Σ_t ‖c_t − A_t c_{t−1} − b_t‖² + λ Σ_t ‖c_t − s_t‖², c_0 = s_0, or the Kalman filter's means for it.
   * Needs a `linearize` with the same mode first.
   */
  solveKalman(options: KalmanStepOptions): void;
  /**
   * Accept the candidate, per active sequence: apply the reset heuristic, measure the step, (with a trust
   * region) test the merit, write s ← s + α (c − s), stop the sequence when its criterion meets the tolerance
   * (with `'merit'`, a sequence whose iterate already meets it stops before the write, keeping s^(i)),
   * record one history entry, and then (with {@link UpdateOptions.floor}) stop a sequence still active whose
   * history the floor rule stops.
   */
  update(options: UpdateOptions): void;
  /** Write the sequential evaluation s_t = f(s_{t−1}, u_t) into the iterate of every sequence. */
  sequential(): void;
  /** Set which sequences iterate ([B], 1 = active). The host uses it to stop sequences by its own rules. */
  setActive(active: Uint8Array): void;
  /** Set λ per sequence (one value for all, or [B]); used by `solveKalman({ lambda: 'session' })`. */
  setLambda(lambda: number | Float64Array): void;
  /** Read the status (a few bytes per sequence). */
  readStatus(): Promise<SessionStatus>;
  /** Read the iterate (default) or the candidate, [B, T, D], in the session's precision. */
  readStates(slot?: StateSlot): Promise<FloatArray>;
  /** Overwrite the iterate (default) or the candidate with [B, T, D] values, for custom solvers. */
  writeStates(states: FloatArray, slot?: StateSlot): void;
  /** Release the session's arrays. */
  destroy(): void;
}

/**
 * A compute backend for `evaluate`: the CPU backend (`createCpuBackend()`, the default) or the WebGPU
 * backend of `@elk/webgpu`.
 *
 * @example
 * ```ts
 * // A damped Newton of one's own, composed from the primitives:
 * const session = await backend.createSession({ cell, batch: 1, length: T, inputs, initialState });
 * for (let i = 0; i < 50; i++) {
 *   session.linearize('dense');
 *   session.solveAffine('dense');
 *   session.update({ tolerance: 1e-9, criterion: 'step', reset: true, damping: 0.5 });
 * }
 * const states = await session.readStates();
 * session.destroy();
 * ```
 */
export interface Backend {
  /** A short name, e.g. `'cpu'` or `'webgpu'`. */
  readonly name: string;
  /**
   * How often `evaluate` reads the status (every k iterations) unless the caller sets `checkEvery`;
   * default 1. A GPU backend sets it higher, so that many iterations stay in flight.
   */
  readonly checkEvery?: number;
  /**
   * How many status reads `evaluate` keeps in flight while it records further iterations, unless the caller
   * sets `readAhead`; default 0 (wait for each read). A GPU backend sets it ≥ 1, so that the GPU never waits
   * for the host's read round trip; the iterations recorded past a stop change nothing (stopped sequences are
   * left alone), so results do not depend on it.
   */
  readonly readAhead?: number;
  /**
   * Whether `evaluate` reads the status at the iteration where the tolerance is predicted to stop every
   * sequence, and holds further iterations until that read answers, unless the caller sets `predictStop`;
   * default true.
   */
  readonly predictStop?: boolean;
  /** The precision a problem with these inputs runs in (the CPU follows the array type; WebGPU is f32). */
  precision(inputs: FloatArray): Precision;
  /** Upload a problem and allocate its session. */
  createSession(problem: SolverProblem): Promise<Session>;
  /** Release everything the backend holds. */
  destroy(): void;
}
