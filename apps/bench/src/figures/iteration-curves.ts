import type { Cell, FloatArray } from '@elk/cells';
import { type Backend, evaluate, type StoppingRule } from '@elk/solvers';
import type { Method } from '../defaults.ts';
import { channelOf, meanAbsoluteDeviation } from './mean-absolute-deviation.ts';

/** A method's error-vs-iteration curve against the sequential evaluation. */
export interface IterationCurve {
  /** mad[i] after iteration i (mad[0]: the initial guess). */
  mad: number[];
  /** Channel traces of sequence 0 after the requested iterations (the last iterate when it stopped earlier). */
  snapshots: Map<number, Float64Array>;
  iterations: number;
  converged: boolean;
  /** Why each sequence stopped (`'tolerance' | 'floor' | 'maxIterations'`), distinct values joined by `|`. */
  stopReason: string;
  seconds: number;
  /** The largest |state| seen over the iterations (the instability ELK tames). */
  largestMagnitude: number;
}

/** The problem and method of {@link iterationCurve}. */
export interface IterationCurveOptions {
  cell: Cell;
  inputs: FloatArray;
  initialState: FloatArray;
  batch: number;
  length: number;
  method: Method;
  backend: Backend;
  maxIterations: number;
  lambda?: number;
  /** ELK's estimator: `'filter'` (the paper's code) or `'smoother'` (the exact LM step). */
  estimator?: 'filter' | 'smoother';
  tolerance?: number;
  stopping?: StoppingRule;
  /** The sequential states [B, T, D] the deviation is measured from. */
  sequential: FloatArray;
  /** The channel measured (the AR-GRU's output x_t is channel 0); all channels when undefined. */
  channel?: number;
  /** Iterations after which to keep the trace of `snapshotChannel` of sequence 0. */
  snapshots?: readonly number[];
  snapshotChannel?: number;
}

/**
 * Runs `evaluate` with a trace projection that measures, after every iteration, the mean absolute
 * deviation from the sequential states (and keeps whole traces at the snapshot iterations).
 */
export async function iterationCurve(options: IterationCurveOptions): Promise<IterationCurve> {
  const dim = options.cell.stateSize;
  const wanted = new Set(options.snapshots ?? []);
  const snapshots = new Map<number, Float64Array>();
  let largestMagnitude = 0;
  let lastTrace: Float64Array | undefined;
  const started = performance.now();
  const result = await evaluate(options.cell, {
    inputs: options.inputs,
    initialState: options.initialState,
    batch: options.batch,
    length: options.length,
    method: options.method,
    backend: options.backend,
    maxIterations: options.maxIterations,
    ...(options.lambda === undefined ? {} : { lambda: options.lambda }),
    ...(options.tolerance === undefined ? {} : { tolerance: options.tolerance }),
    ...(options.estimator === undefined ? {} : { estimator: options.estimator }),
    ...(options.stopping === undefined ? {} : { stopping: options.stopping }),
    trace: (states: FloatArray, iteration: number) => {
      for (const value of states) {
        const magnitude = Math.abs(value);
        if (magnitude > largestMagnitude) largestMagnitude = magnitude;
      }
      if (wanted.size > 0) {
        lastTrace = channelOf(states, options.length, dim, options.snapshotChannel ?? 0);
        if (wanted.has(iteration)) snapshots.set(iteration, lastTrace);
      }
      return meanAbsoluteDeviation(states, options.sequential, dim, options.channel);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const mad = result.trace ? [...result.trace.states] : [];
  for (const iteration of wanted) {
    if (!snapshots.has(iteration) && lastTrace && iteration > result.iterations)
      snapshots.set(iteration, lastTrace);
  }
  return {
    mad,
    snapshots,
    iterations: result.iterations,
    converged: result.converged,
    stopReason: [...new Set(result.perSequence.stopReason)].join('|'),
    seconds,
    largestMagnitude,
  };
}
