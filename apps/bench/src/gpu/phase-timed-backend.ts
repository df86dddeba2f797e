import type { FloatArray } from '@elk/cells';
import type {
  Backend,
  KalmanStepOptions,
  LinearizationMode,
  Session,
  SessionStatus,
  SolverProblem,
  StateSlot,
  UpdateOptions,
} from '@elk/solvers';

/**
 * Where one `evaluate` call spent its wall clock, split at the Backend contract's seams (seconds):
 *
 * - `upload`: `createSession` (the inputs, initial state and guess written to the backend) until that work
 *   has completed;
 * - `solve`: from the first primitive (`linearize`, `sequential`, …) until the work enqueued before the states
 *   are read back has completed (for the iterative methods, the last status read `evaluate` makes, which a GPU
 *   answers only once everything enqueued before it has run; where no status read followed the last
 *   primitive, as after `sequential`, a read of the wrapper's own) — the data
 *   stays resident throughout, so this is the figure to compare with implementations that keep their data on
 *   the device;
 * - `readback`: reading the states back to the host;
 * - `other`: the rest of the call (argument checks on the host, `destroy`).
 */
export interface EvaluatePhases {
  uploadSeconds: number;
  solveSeconds: number;
  readbackSeconds: number;
  otherSeconds: number;
  /** `update` (or `sequential`) calls enqueued: iterations dispatched, including those after the last stop. */
  dispatchedIterations: number;
  /** Status reads (`readStatus`), each a wait for the queue. */
  statusReads: number;
  /** Seconds spent raising the GPU's clocks between upload and solve (outside every other phase). */
  warmUpSeconds: number;
  /**
   * With `timeline`: when each primitive was called and each status read began and ended, in ms since the
   * solve began, as `code@ms` words — L linearize, S solveAffine, K solveKalman, U update (its return, after
   * it submitted), Q sequential, r/R a read's start/end (a last pair after `evaluate`'s reads is the wrapper's
   * own read, where no status read followed the last primitive).
   */
  timeline?: string;
  /**
   * With `timeline`: `performance.now()` at the solve's first primitive (the timeline's zero), in ms since the
   * process started (the clock of `node --trace-gc`'s lines), to place the timeline among other events; absent
   * when no primitive ran.
   */
  timelineOriginMs?: number;
}

/** A backend that records {@link EvaluatePhases} of the sessions it creates; see {@link phaseTimedBackend}. */
export interface PhaseTimedBackend {
  /** Pass this to `evaluate` instead of the wrapped backend. */
  backend: Backend;
  /** The phases of the last session created, with `totalSeconds` (the wall clock the caller measured). */
  phases(totalSeconds: number): EvaluatePhases;
}

/**
 * Wraps a backend so that one `evaluate` call through it is timed phase by phase (see {@link EvaluatePhases})
 * without changing what `evaluate` does: every primitive is forwarded unchanged, so iterations, stop reasons
 * and states are `evaluate`'s own. The phases are split by a status read of the session's own (a read of a
 * few bytes that a GPU backend can only answer once everything enqueued before it has run: its commands are
 * submitted and completed) after `createSession` and before the states are read back; it is not counted in
 * `statusReads`.
 *
 * @example
 * ```ts
 * const timed = phaseTimedBackend(backend);
 * const started = performance.now();
 * const result = await evaluate(cell, { inputs, initialState, method: 'quasi-deer', backend: timed.backend });
 * timed.phases((performance.now() - started) / 1000).solveSeconds;
 * ```
 */
export function phaseTimedBackend(
  inner: Backend,
  beforeSolve?: () => Promise<number>,
  options: { readonly timeline?: boolean } = {},
): PhaseTimedBackend {
  let marks = freshMarks(options.timeline ?? false);
  const backend: Backend = {
    name: inner.name,
    get checkEvery() {
      return inner.checkEvery;
    },
    get readAhead() {
      return inner.readAhead;
    },
    get predictStop() {
      return inner.predictStop;
    },
    precision: (inputs) => inner.precision(inputs),
    async createSession(problem: SolverProblem): Promise<Session> {
      marks = freshMarks(options.timeline ?? false);
      const started = performance.now();
      const session = await inner.createSession(problem);
      await session.readStatus();
      marks.upload = (performance.now() - started) / 1000;
      if (beforeSolve) marks.warmUp = await beforeSolve();
      return timedSession(session, marks);
    },
    destroy: () => inner.destroy(),
  };
  return {
    backend,
    phases(totalSeconds) {
      const solve = marks.solveStart === null ? 0 : Math.max(0, marks.solveEnd - marks.solveStart) / 1000;
      return {
        uploadSeconds: marks.upload,
        solveSeconds: solve,
        readbackSeconds: marks.readback,
        otherSeconds: Math.max(0, totalSeconds - marks.upload - solve - marks.readback - marks.warmUp),
        dispatchedIterations: marks.dispatched,
        statusReads: marks.statusReads,
        warmUpSeconds: marks.warmUp,
        ...(marks.timeline ? { timeline: marks.timeline.join(' ') } : {}),
        ...(marks.timeline && marks.solveStart !== null ? { timelineOriginMs: marks.solveStart } : {}),
      };
    },
  };
}

interface Marks {
  upload: number;
  /** performance.now() of the first primitive, or null before it. */
  solveStart: number | null;
  solveEnd: number;
  readback: number;
  dispatched: number;
  statusReads: number;
  /** Seconds of `beforeSolve`. */
  warmUp: number;
  /** `code@ms` words, when asked for. */
  timeline: string[] | undefined;
}

function freshMarks(timeline: boolean): Marks {
  return {
    timeline: timeline ? [] : undefined,
    upload: 0,
    solveStart: null,
    solveEnd: 0,
    readback: 0,
    dispatched: 0,
    statusReads: 0,
    warmUp: 0,
  };
}

function timedSession(inner: Session, marks: Marks): Session {
  // Commands enqueued so far, and how many of them the latest answered status read had seen.
  let enqueued = 0;
  let covered = 0;
  const begin = () => {
    if (marks.solveStart === null) marks.solveStart = performance.now();
    enqueued++;
  };
  const end = () => {
    if (marks.solveStart !== null) marks.solveEnd = Math.max(marks.solveEnd, performance.now());
  };
  const mark = (code: string) => {
    if (marks.timeline && marks.solveStart !== null)
      marks.timeline.push(`${code}@${(performance.now() - marks.solveStart).toFixed(3)}`);
  };
  return {
    precision: inner.precision,
    batch: inner.batch,
    length: inner.length,
    stateSize: inner.stateSize,
    linearize(mode: LinearizationMode) {
      begin();
      mark('L');
      inner.linearize(mode);
    },
    solveAffine(mode: LinearizationMode) {
      begin();
      mark('S');
      inner.solveAffine(mode);
    },
    solveKalman(options: KalmanStepOptions) {
      begin();
      mark('K');
      inner.solveKalman(options);
    },
    update(options: UpdateOptions) {
      begin();
      marks.dispatched++;
      inner.update(options);
      mark('U');
    },
    sequential() {
      begin();
      marks.dispatched++;
      mark('Q');
      inner.sequential();
    },
    setActive(active: Uint8Array) {
      enqueued++;
      inner.setActive(active);
    },
    setLambda(lambda: number | Float64Array) {
      begin();
      inner.setLambda(lambda);
    },
    async readStatus(): Promise<SessionStatus> {
      mark('r');
      const seen = enqueued;
      const status = await inner.readStatus();
      covered = Math.max(covered, seen);
      mark('R');
      marks.statusReads++;
      end();
      return status;
    },
    async readStates(slot?: StateSlot): Promise<FloatArray> {
      // Everything enqueued so far completes before the read-back is timed: a status read answered after the
      // last command says so already; otherwise (e.g. after `sequential`) a read of our own waits for it.
      if (covered < enqueued || marks.solveStart === null) {
        mark('r');
        await inner.readStatus();
        covered = enqueued;
        mark('R');
        end();
      }
      const started = performance.now();
      const states = await inner.readStates(slot);
      marks.readback += (performance.now() - started) / 1000;
      return states;
    },
    writeStates(states: FloatArray, slot?: StateSlot) {
      enqueued++;
      inner.writeStates(states, slot);
    },
    destroy() {
      inner.destroy();
    },
  };
}
