import type { Cell, FloatArray } from '@elk/cells';
import type {
  Backend,
  KalmanStepOptions,
  LinearizationMode,
  Precision,
  Session,
  SessionStatus,
  UpdateOptions,
} from './backend.ts';
import { createCpuBackend } from './cpu/cpu-backend.ts';
import { solverDefaults } from './defaults.ts';
import { describeValue, SolverInputError } from './errors.ts';
import type {
  EvaluateOptions,
  EvaluateResult,
  EvaluateTrace,
  Method,
  StopReason,
  TraceProjection,
} from './evaluate-options.ts';
import { type ResolvedOptions, resolveOptions } from './resolve-options.ts';
import {
  type FloorDecision,
  type FloorRuleContext,
  floorDecision,
  floorStopHorizon,
  type SequenceHistory,
  sequenceHistory,
} from './stopping/floor-rule.ts';

const linearizationModes: Record<Exclude<Method, 'sequential'>, LinearizationMode> = {
  jacobi: 'none',
  deer: 'dense',
  'quasi-deer': 'diagonal',
  elk: 'dense',
  'quasi-elk': 'diagonal',
};

/**
 * Evaluates the recurrence s_t = f(s_{t−1}, u_t), t = 1..T, for a batch of sequences, sequentially or in
 * parallel over T by one of the fixed-point methods of DEER (Lim et al., ICLR 2024) and ELK (Gonzalez et al.,
 * NeurIPS 2024): Jacobi (A_t = 0), DEER (Newton: dense A_t and an affine scan), quasi-DEER (diag A_t),
 * ELK (Levenberg–Marquardt through a Kalman smoother) and quasi-ELK (its diagonal form).
 *
 * Every sequence iterates until its step max |s^(i+1) − s^(i)| (or, with `criterion: 'merit'`, its residual
 * ‖r‖∞) meets the tolerance, until it reaches its precision's rounding floor (`stopping: 'precision-aware'`),
 * or until `maxIterations`; a stopped sequence no longer changes. Divergence is a result (`converged: false`),
 * never an exception. Defaults: `solverDefaults`.
 *
 * @throws {@link SolverInputError} for wrong shapes, a state size other than the cell's, T = 0, an unknown
 * method, a negative λ, or NaN in the inputs.
 *
 * @example
 * ```ts
 * const cell = gru({ hidden: 8, input: 4, seed: 1 });
 * const inputs = new Float64Array(2 * 1000 * 4).map(() => Math.random() - 0.5); // B = 2, T = 1000
 * const result = await evaluate(cell, { inputs, initialState: new Float64Array(2 * 8), method: 'quasi-deer' });
 * result.states; // [2, 1000, 8]
 * result.perSequence.stopReason; // ['tolerance', 'tolerance']
 * ```
 */
export async function evaluate<Projection = FloatArray>(
  cell: Cell,
  options: EvaluateOptions<Projection>,
): Promise<EvaluateResult<Projection>> {
  const backend: Backend = options?.backend ?? createCpuBackend();
  try {
    const { inputs } = options;
    if (!(inputs instanceof Float32Array || inputs instanceof Float64Array)) {
      throw new SolverInputError(
        'inputs',
        'a Float32Array or Float64Array [batch, length, inputSize]',
        describeValue(inputs),
      );
    }
    const precision = backend.precision(inputs);
    const resolved = resolveOptions(cell, options, precision, backend.checkEvery);
    const session = await backend.createSession({
      cell: resolved.cell,
      batch: resolved.batch,
      length: resolved.length,
      inputs,
      initialState: options.initialState,
      ...(options.initialGuess === undefined ? {} : { initialGuess: options.initialGuess }),
    });
    try {
      const project = projectionOf(options.trace);
      return await run(session, resolved, precision, project);
    } finally {
      session.destroy();
    }
  } finally {
    if (options?.backend === undefined) backend.destroy();
  }
}

function projectionOf<Projection>(
  trace: boolean | TraceProjection<Projection> | undefined,
): TraceProjection<Projection> | undefined {
  if (typeof trace === 'function') return trace;
  if (trace === true) return (states) => states as Projection;
  return undefined;
}

async function run<Projection>(
  session: Session,
  options: ResolvedOptions,
  precision: Precision,
  project: TraceProjection<Projection> | undefined,
): Promise<EvaluateResult<Projection>> {
  const { batch: B, method } = options;
  const trace: EvaluateTrace<Projection> | undefined =
    project === undefined ? undefined : { states: [], step: [], merit: [] };
  if (trace !== undefined && project !== undefined) trace.states.push(project(await session.readStates(), 0));
  if (method === 'sequential') {
    session.sequential();
    const states = await session.readStates();
    if (trace !== undefined && project !== undefined) {
      trace.states.push(project(states, 1));
      trace.step.push(new Float64Array(B).fill(Number.NaN));
      trace.merit.push(new Float64Array(B).fill(Number.NaN));
    }
    return {
      states,
      iterations: 1,
      converged: true,
      perSequence: {
        iterations: new Array<number>(B).fill(1),
        converged: new Array<boolean>(B).fill(true),
        stopReason: new Array<StopReason>(B).fill('tolerance'),
        floor: new Array<number>(B).fill(0),
      },
      ...(trace === undefined ? {} : { trace }),
    };
  }
  const mode = linearizationModes[method];
  const kalman = method === 'elk' || method === 'quasi-elk';
  const adaptive = options.lambda === 'adaptive';
  if (kalman)
    session.setLambda(adaptive ? solverDefaults.adaptiveLambda.initial : (options.lambda as number));
  const update: UpdateOptions = {
    tolerance: options.tolerance,
    criterion: options.criterion,
    reset: options.reset,
    ...(kalman && adaptive ? { trustRegion: solverDefaults.adaptiveLambda.trustRegion } : {}),
  };
  const kalmanStep: KalmanStepOptions = {
    mode: mode === 'dense' ? 'dense' : 'diagonal',
    estimator: options.estimator,
    lambda: 'session',
  };
  const reasons: (StopReason | undefined)[] = new Array<StopReason | undefined>(B).fill(undefined);
  const active = new Uint8Array(B).fill(1);
  const floorContext = { precision, length: options.length };
  const precisionAware = options.stopping === 'precision-aware';
  // The status is read every checkEvery iterations, and while a sequence is near its floor as soon as the floor
  // rule could stop it (floorStopHorizon: never later than a read every iteration would have stopped it).
  let nextCheck = options.checkEvery;
  let lastCheck = 0;
  // The last status read; the loop always ends right after one (every exit follows a read).
  let status: SessionStatus | undefined;
  for (let iteration = 1; iteration <= options.maxIterations; iteration++) {
    session.linearize(mode);
    if (kalman) session.solveKalman(kalmanStep);
    else session.solveAffine(mode);
    session.update(update);
    const check = trace !== undefined || iteration >= nextCheck || iteration === options.maxIterations;
    if (!check) continue;
    status = await session.readStatus();
    if (trace !== undefined && project !== undefined) {
      trace.states.push(project(await session.readStates(), iteration));
      recordTrace(trace, status, active);
    }
    let changed = false;
    let interval = options.checkEvery;
    const horizonSound =
      status.history.capacity >= Math.max(solverDefaults.floorWindow, solverDefaults.floorResetMemory);
    for (let b = 0; b < B; b++) {
      if (active[b] === 0) continue;
      if (status.active[b] === 0) {
        active[b] = 0;
        reasons[b] = 'tolerance';
        continue;
      }
      if (!precisionAware) continue;
      const history = sequenceHistory(status.history, b);
      const decision = floorSince(history, iteration - lastCheck, floorContext);
      if (decision.stop) {
        active[b] = 0;
        reasons[b] = 'floor';
        changed = true;
      } else if (decision.near) {
        // The horizon reasons from the entries the history holds: sound while it keeps the reset memory.
        const horizon = horizonSound ? floorStopHorizon(history, floorContext) : 1;
        interval = Math.min(interval, horizon);
      }
    }
    lastCheck = iteration;
    nextCheck = iteration + Math.max(1, interval);
    if (changed) session.setActive(active);
    if (!active.includes(1)) break;
  }
  // Every exit of the loop follows a read, and setActive changes nothing the result uses: no second read.
  status ??= await session.readStatus();
  const states = await session.readStates();
  const stopReason = reasons.map(
    (reason, b) => reason ?? (status.toleranceMet[b] === 1 ? 'tolerance' : 'maxIterations'),
  );
  const iterations = Array.from(status.iterations);
  const floor = iterations.map(
    (_, b) => floorDecision(sequenceHistory(status.history, b), floorContext).floor,
  );
  const converged = stopReason.map((reason) => reason !== 'maxIterations');
  return {
    states,
    iterations: Math.max(...iterations),
    converged: converged.every(Boolean),
    perSequence: { iterations, converged, stopReason, floor },
    ...(trace === undefined ? {} : { trace }),
  };
}

/**
 * The floor rule at each of the last `recent` iterations of a history (oldest first): the first verdict that
 * stops, else the latest. An active sequence records one entry per iteration, so with a status read every k
 * iterations the rule still sees every iteration's window.
 */
function floorSince(history: SequenceHistory, recent: number, context: FloorRuleContext): FloorDecision {
  const n = history.step.length;
  for (let end = Math.max(1, n - recent + 1); end < n; end++) {
    const first = (values: ArrayLike<number>) => Array.from({ length: end }, (_, j) => values[j] as number);
    const decision = floorDecision(
      {
        step: first(history.step),
        merit: first(history.merit),
        magnitude: first(history.magnitude),
        flags: first(history.flags),
      },
      context,
    );
    if (decision.stop) return decision;
  }
  return floorDecision(history, context);
}

/** Appends this iteration's step and merit per sequence (NaN for sequences that had stopped before it). */
function recordTrace<Projection>(
  trace: EvaluateTrace<Projection>,
  status: SessionStatus,
  active: Uint8Array,
): void {
  const B = active.length;
  const step = new Float64Array(B).fill(Number.NaN);
  const merit = new Float64Array(B).fill(Number.NaN);
  const { history } = status;
  for (let b = 0; b < B; b++) {
    const count = history.count[b] ?? 0;
    if (active[b] === 0 || count === 0) continue;
    const last = b * history.capacity + count - 1;
    step[b] = history.step[last] as number;
    merit[b] = history.merit[last] as number;
  }
  trace.step.push(step);
  trace.merit.push(merit);
}
