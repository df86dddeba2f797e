/**
 * One run of the live demo: the sequential reference on the CPU in f64, the chosen method on the chosen
 * backend (timed), and a traced run for the error-vs-iteration curve.
 *
 * @module
 */

import type { FloatArray } from '@elk/cells';
import { type Backend, evaluate, type KalmanEstimator, type StopReason } from '@elk/solvers';
import type { DemoCase } from './demo-case.ts';
import { type DemoMethod, demoDefaults, iterationBudget, usesLambda } from './demo-defaults.ts';

/** The method settings of a run. */
export interface DemoRunSettings {
  readonly method: DemoMethod;
  /** λ for ELK and quasi-ELK; ignored otherwise. */
  readonly lambda?: number;
  /** ELK's step (default {@link demoDefaults}.estimator); ignored by the other methods. */
  readonly estimator?: KalmanEstimator;
}

/** One point of the trajectory plot: state component 0 at step t. */
export interface TrajectoryPoint {
  readonly t: number;
  readonly parallel: number;
  readonly sequential: number;
}

/** What a run measured; everything the page shows and exposes to its test. */
export interface DemoResult {
  readonly method: DemoMethod;
  readonly lambda: number | null;
  /** ELK's step, or `null` for methods without one. */
  readonly estimator: KalmanEstimator | null;
  readonly iterations: number;
  readonly converged: boolean;
  readonly stopReason: StopReason;
  /** max_t,d |s_t − s_t^seq| of the answer against the f64 sequential loop. */
  readonly maxError: number;
  /** The same maximum after each iteration; entry 0 is the initial guess (zeros). */
  readonly errorByIteration: number[];
  /** s_T of the parallel answer (D values). */
  readonly finalState: number[];
  /** s_T of the f64 sequential loop. */
  readonly sequentialFinalState: number[];
  /** Component 0 of both answers at up to {@link demoDefaults}.trajectoryPoints evenly spaced steps. */
  readonly trajectory: TrajectoryPoint[];
  /** Wall-clock milliseconds of the untraced parallel evaluation (session, iterations, read-back). */
  readonly parallelMilliseconds: number;
  /** Wall-clock milliseconds of the sequential loop on the CPU (f64). */
  readonly sequentialMilliseconds: number;
}

/** max |a_i − b_i| over the first `count` entries (NaN counts as infinitely far). */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let largest = 0;
  const count = Math.min(a.length, b.length);
  for (let i = 0; i < count; i++) {
    const difference = Math.abs((a[i] ?? 0) - (b[i] ?? 0));
    if (!(difference <= largest)) largest = Number.isNaN(difference) ? Number.POSITIVE_INFINITY : difference;
  }
  return largest;
}

/** The steps at which the trajectory is sampled: evenly spaced, always including the last. */
export function trajectorySteps(length: number, points: number = demoDefaults.trajectoryPoints): number[] {
  if (length <= points) return Array.from({ length }, (_, t) => t);
  const steps = Array.from({ length: points }, (_, i) => Math.round((i * (length - 1)) / (points - 1)));
  return [...new Set(steps)];
}

function lastState(states: FloatArray, length: number, dim: number): number[] {
  return Array.from(states.subarray((length - 1) * dim, length * dim));
}

/**
 * Runs the demo's case: sequential (f64, CPU), then the method on `backend` in f32, timed, then again with a
 * trace of the error against the sequential answer.
 *
 * @example
 * ```ts
 * const result = await runDemo(buildDemoCase({ cell: 'gru', length: 1000 }), { method: 'quasi-deer' }, backend);
 * result.converged; // true
 * ```
 */
export async function runDemo(
  demo: DemoCase,
  settings: DemoRunSettings,
  backend: Backend,
): Promise<DemoResult> {
  const { cell, length, inputs, initialState } = demo;
  const dim = cell.stateSize;
  const common = { length, batch: 1, maxIterations: iterationBudget(length) };
  const sequentialStarted = performance.now();
  const sequential = await evaluate(cell, {
    ...common,
    inputs: Float64Array.from(inputs),
    initialState: Float64Array.from(initialState),
    method: 'sequential',
  });
  const sequentialMilliseconds = performance.now() - sequentialStarted;

  const elk = usesLambda(settings.method);
  const lambda = elk && settings.lambda !== undefined ? settings.lambda : undefined;
  const estimator = elk ? (settings.estimator ?? demoDefaults.estimator) : undefined;
  const options = {
    ...common,
    inputs,
    initialState,
    method: settings.method,
    backend,
    ...(lambda === undefined ? {} : { lambda }),
    ...(estimator === undefined ? {} : { estimator }),
  };
  const started = performance.now();
  const result = await evaluate(cell, options);
  const parallelMilliseconds = performance.now() - started;
  const traced = await evaluate(cell, {
    ...options,
    trace: (states: FloatArray) => maxAbsDifference(states, sequential.states),
  });

  const steps = trajectorySteps(length);
  return {
    method: settings.method,
    lambda: lambda ?? null,
    estimator: estimator ?? null,
    iterations: result.iterations,
    converged: result.converged,
    stopReason: result.perSequence.stopReason[0] ?? 'maxIterations',
    maxError: maxAbsDifference(result.states, sequential.states),
    errorByIteration: traced.trace?.states ?? [],
    finalState: lastState(result.states, length, dim),
    sequentialFinalState: lastState(sequential.states, length, dim),
    trajectory: steps.map((t) => ({
      t: t + 1,
      parallel: result.states[t * dim] ?? Number.NaN,
      sequential: sequential.states[t * dim] ?? Number.NaN,
    })),
    parallelMilliseconds,
    sequentialMilliseconds,
  };
}
