import type { FloatArray } from '@elk/cells';
import type { Backend, ConvergenceCriterion, KalmanEstimator } from './backend.ts';

/** The evaluation methods of `evaluate`. */
export type Method = 'sequential' | 'jacobi' | 'deer' | 'quasi-deer' | 'elk' | 'quasi-elk';

/**
 * Every method name, for validation and iteration.
 *
 * @example
 * ```ts
 * for (const method of methods) console.log(method); // 'sequential', 'jacobi', …
 * ```
 */
export const methods: readonly Method[] = ['sequential', 'jacobi', 'deer', 'quasi-deer', 'elk', 'quasi-elk'];

/**
 * The stopping rule: `'reference'` stops only when the criterion meets the tolerance (the paper's code);
 * `'precision-aware'` also stops a sequence whose step sits at the rounding floor of its precision
 * (see `floorDecision`).
 */
export type StoppingRule = 'precision-aware' | 'reference';

/** Why a sequence stopped. */
export type StopReason = 'tolerance' | 'floor' | 'maxIterations';

/** A projection of the states recorded per iteration by `trace` (e.g. one output channel). */
export type TraceProjection<Projection> = (states: FloatArray, iteration: number) => Projection;

/** Options of `evaluate`. Defaults: see `solverDefaults`. */
export interface EvaluateOptions<Projection = FloatArray> {
  /** u_1..u_T, [B, T, I]. Its type sets the precision on the CPU (Float64Array → f64). */
  readonly inputs: FloatArray;
  /** s_0, [B, D]. */
  readonly initialState: FloatArray;
  /** B; default initialState.length / D. */
  readonly batch?: number;
  /** T; default inputs.length / (B·I). Required when the cell has no inputs (I = 0). */
  readonly length?: number;
  /** Which method. */
  readonly method: Method;
  /** Tolerance of the criterion; default 1e-4 (f32) / 1e-7 (f64). */
  readonly tolerance?: number;
  /** `'step'` (max |s^(i+1) − s^(i)|, default) or `'merit'` (‖r‖∞). */
  readonly criterion?: ConvergenceCriterion;
  /** Iteration budget; default T + 1 (see `defaultMaxIterations`). */
  readonly maxIterations?: number;
  /** ELK's λ = 1/σ² ≥ 0, or `'adaptive'` (Levenberg–Marquardt schedule on ‖r‖²); defaults per method. */
  readonly lambda?: number | 'adaptive';
  /**
   * ELK's estimator: `'filter'` (default: the filtered means, what the authors' code computes and so what the
   * paper's figures show) or `'smoother'` (the smoothed means: the exact Levenberg–Marquardt step). On a
   * Jacobian far from diagonal (Lorenz-96) the quasi-ELK smoother step can diverge where the filter converges.
   */
  readonly estimator?: KalmanEstimator;
  /** s^(0), [B, T, D]; default zeros. */
  readonly initialGuess?: FloatArray;
  /** Record per iteration the states (`true`) or a projection of them, with the step and merit. */
  readonly trace?: boolean | TraceProjection<Projection>;
  /** The backend; default a fresh CPU backend. */
  readonly backend?: Backend;
  /** The stopping rule; default `'precision-aware'` in f32, `'reference'` in f64. */
  readonly stopping?: StoppingRule;
  /** The reset heuristic (clip ±1e8, NaN → 0); default on. */
  readonly reset?: boolean;
  /**
   * Read the status every k iterations; default the backend's `checkEvery`, else 1. The reads only find out
   * whether every sequence has stopped: both rules (tolerance and floor) run in the session's `update`, so each
   * sequence stops at the same iteration, with the same states, whatever k; iterations recorded after the last
   * stop and before the read that sees it change nothing.
   */
  readonly checkEvery?: number;
  /**
   * How many status reads may be in flight while further iterations are recorded; default the backend's
   * `readAhead`, else 0 (wait for each read before the next iteration). With a GPU backend, reads ahead keep
   * the GPU busy through the host's read round trip; results do not depend on it.
   */
  readonly readAhead?: number;
  /**
   * Where every running sequence's criterion falls geometrically, also read the status at the iteration where
   * the tolerance is predicted to stop them all, and record nothing past it until that read answers: of the
   * iterations otherwise sent past the stop (up to `checkEvery` · (`readAhead` + 1)), only those a late
   * prediction names are sent. After two predictions that proved early, the loop reads as without them; under
   * a trust region nothing is predicted. Default the backend's `predictStop`, else true. Results do not
   * depend on it: the session's rules stop every sequence.
   */
  readonly predictStop?: boolean;
}

/** Per-iteration record of `trace`. */
export interface EvaluateTrace<Projection = FloatArray> {
  /** Entry 0 is the initial guess; entry i the iterate after iteration i. */
  readonly states: Projection[];
  /** step[i − 1][b] = max |s^(i) − s^(i−1)| of sequence b (NaN once the sequence stopped). */
  readonly step: Float64Array[];
  /** merit[i − 1][b] = ‖r(s^(i−1))‖∞ of sequence b (NaN once the sequence stopped). */
  readonly merit: Float64Array[];
}

/** What `evaluate` returns. */
export interface EvaluateResult<Projection = FloatArray> {
  /** s_1..s_T, [B, T, D], in the session's precision. */
  readonly states: FloatArray;
  /** The largest iteration count over the batch. */
  readonly iterations: number;
  /** Whether every sequence stopped by tolerance or floor (not by running out of iterations). */
  readonly converged: boolean;
  /** Per sequence. */
  readonly perSequence: {
    readonly iterations: number[];
    readonly converged: boolean[];
    readonly stopReason: StopReason[];
    /** The floor estimate of each sequence's step (0 for the sequential method). */
    readonly floor: number[];
  };
  /** Present when `trace` was requested. */
  readonly trace?: EvaluateTrace<Projection>;
}
