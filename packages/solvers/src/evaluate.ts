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
import { floorDecision, sequenceHistory } from './stopping/floor-rule.ts';
import { predictedStop } from './stopping/predicted-stop.ts';

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
    const resolved = resolveOptions(cell, options, precision, backend);
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
  let update: UpdateOptions = {
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
  const floorContext = { precision, length: options.length };
  if (options.stopping === 'precision-aware') update = { ...update, floor: {} };
  const iterate = () => {
    session.linearize(mode);
    if (kalman) session.solveKalman(kalmanStep);
    else session.solveAffine(mode);
    session.update(update);
  };
  // Both stopping rules run in `update` (on the device for a GPU backend), so the reads only find out when
  // every sequence has stopped: each sequence stops at the same iteration however often the status is read.
  const status =
    trace !== undefined && project !== undefined
      ? await iterateTraced(session, options.maxIterations, iterate, trace, project)
      : await iterateReading(session, options, precision, update.trustRegion, iterate);
  const states = await session.readStates();
  const stopReason = Array.from(
    status.active,
    (_, b): StopReason =>
      status.toleranceMet[b] === 1 ? 'tolerance' : status.floorMet[b] === 1 ? 'floor' : 'maxIterations',
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

/** A status read in flight, the iteration it follows, and whether it has settled. */
interface PendingRead {
  readonly promise: Promise<SessionStatus>;
  readonly iteration: number;
  settled: boolean;
}

/** Predictions of the stop that may prove early before `evaluate` reads as without them. */
const mostEarlyPredictions = 2;

/**
 * Iterates until every sequence has stopped or `maxIterations`, reading the status every `checkEvery`
 * iterations with up to `readAhead` reads in flight: the host records the next iterations while a read waits
 * for the GPU. Recording never yields, so a read's answer is taken once `readAhead` + 1 reads are outstanding
 * (the oldest is awaited; any that have settled by then are taken too). Iterations recorded after every
 * sequence stopped change nothing, but they cost their time: with `predictStop`, each answer predicts the
 * iteration where the tolerance stops every sequence ({@link predictedStop}), and once that iteration is
 * recorded the loop reads there and waits for every read before recording more; once `mostEarlyPredictions`
 * reads at or past a prediction still found a sequence running, it reads as without predictions.
 * Returns the status that ended the loop (no sequence active, or the last iteration's). A read in flight
 * when the loop ends is awaited, and its error (a GPU backend reports the errors of the commands before a read
 * with it) is thrown.
 */
async function iterateReading(
  session: Session,
  options: ResolvedOptions,
  precision: Precision,
  trustRegion: UpdateOptions['trustRegion'],
  iterate: () => void,
): Promise<SessionStatus> {
  const { checkEvery, readAhead, maxIterations } = options;
  const reads: PendingRead[] = [];
  const context = {
    tolerance: options.tolerance,
    criterion: options.criterion,
    precision,
    trustRegion: trustRegion !== undefined,
  };
  let status: SessionStatus | undefined;
  /** The iteration after which the loop waits for its reads (the predicted stop), if any. */
  let hold: number | undefined;
  let early = 0;
  let lastRead = 0;
  const readAt = (iteration: number) => {
    const read: PendingRead = { promise: session.readStatus(), iteration, settled: false };
    const settle = () => {
      read.settled = true;
    };
    read.promise.then(settle, settle);
    reads.push(read);
    lastRead = iteration;
  };
  const take = async (): Promise<boolean> => {
    const read = reads.shift() as PendingRead;
    status = await read.promise;
    if (!status.active.includes(1)) return true;
    if (hold !== undefined && read.iteration >= hold) {
      hold = undefined;
      early++;
    }
    if (options.predictStop && early < mostEarlyPredictions) {
      const predicted = predictedStop(status, context);
      // A newer prediction replaces the hold (a read that predicts nothing leaves it); a sequence this read saw
      // running stops after its iteration at the earliest.
      if (predicted !== undefined) hold = Math.max(predicted, read.iteration + 1);
    }
    return false;
  };
  let failed = false;
  try {
    for (let iteration = 1; iteration <= maxIterations; iteration++) {
      iterate();
      if (iteration % checkEvery === 0 || iteration === maxIterations) readAt(iteration);
      for (;;) {
        const holding = hold !== undefined && iteration >= hold;
        // Holding: a read at the predicted stop or past it (here), then every read answered before going on.
        if (holding && lastRead < (hold as number)) readAt(iteration);
        const first = reads[0];
        if (!first || !(first.settled || reads.length > readAhead || holding)) break;
        if (await take()) return status as SessionStatus;
      }
    }
    while (reads.length > 0) if (await take()) break;
    return status ?? (await session.readStatus());
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // Reads still in flight after the end finish before the session may be destroyed; after a normal end the
    // first of their errors is reported (it covers the iterations recorded past the last stop).
    const settled = await Promise.allSettled(reads.map((read) => read.promise));
    const rejected = settled.find((result) => result.status === 'rejected');
    // biome-ignore lint/correctness/noUnsafeFinally: a read's error after a normal end must not be lost.
    if (!failed && rejected) throw rejected.reason;
  }
}

/** Iterates reading the status and the states after every iteration, for the trace. */
async function iterateTraced<Projection>(
  session: Session,
  maxIterations: number,
  iterate: () => void,
  trace: EvaluateTrace<Projection>,
  project: TraceProjection<Projection>,
): Promise<SessionStatus> {
  const active = new Uint8Array(session.batch).fill(1);
  let status: SessionStatus | undefined;
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    iterate();
    status = await session.readStatus();
    trace.states.push(project(await session.readStates(), iteration));
    recordTrace(trace, status, active);
    active.set(status.active);
    if (!active.includes(1)) break;
  }
  return status ?? (await session.readStatus());
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
