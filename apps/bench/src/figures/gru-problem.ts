import { type Cell, gru } from '@elk/cells';
import { createRandom } from '../analysis/random.ts';
import type { BenchOptions } from '../cli/options.ts';
import { UsageError } from '../cli/usage-error.ts';
import { gruHiddenSize, readInputsFile, readTensorFile } from '../weights/load-problem-files.ts';

/** One GRU evaluation problem of the Fig. 2 grid (f32 inputs, as the paper's runs). */
export interface GruProblem {
  cell: Cell;
  dim: number;
  batch: number;
  length: number;
  inputs: Float32Array;
  initialState: Float32Array;
  /** Where weights and inputs came from, for the record. */
  source: { weights: string; inputs: string };
}

/**
 * The grid's problems: for each D and T a flax-initialised GRU (seeded) with N(0, 1) inputs of size D and a
 * zero initial state — or, with `--weights`/`--inputs`, the given GRU and data (then D and T come from the
 * files and the grid collapses to that one case).
 */
export function gruProblems(
  options: BenchOptions,
  batch: number,
  dims: number[],
  lengths: number[],
): GruProblem[] {
  return [...iterateGruProblems(options, batch, dims, lengths)];
}

/**
 * {@link gruProblems} one at a time: each problem's inputs are drawn when it is reached, so a large grid
 * holds one problem's arrays at once (4 GiB of inputs at D = 64, T = 10⁶, B = 16). The inputs of (D, T)
 * depend on the seed, D and T only, so a sub-grid draws the same problems as the whole grid.
 *
 * @example
 * ```ts
 * for (const problem of iterateGruProblems(options, 16, [8, 64], [30_000])) console.log(problem.inputs.length);
 * ```
 */
export function* iterateGruProblems(
  options: BenchOptions,
  batch: number,
  dims: number[],
  lengths: number[],
): Generator<GruProblem> {
  const weights = options.weights === undefined ? undefined : readTensorFile('--weights', options.weights);
  const file = options.inputs === undefined ? undefined : readInputsFile(options.inputs);
  const sizes = weights ? gruHiddenSize(weights) : undefined;
  if (file && sizes && (file.stateSize !== sizes.hidden || file.inputSize !== sizes.input)) {
    throw new UsageError(
      '--inputs',
      `inputs with I = ${sizes.input} and initial_state with D = ${sizes.hidden} (the --weights' sizes)`,
      `I = ${file.inputSize}, D = ${file.stateSize}`,
    );
  }
  const gridDims = file ? [file.stateSize] : sizes ? [sizes.hidden] : dims;
  const gridLengths = file ? [file.length] : lengths;
  for (const dim of gridDims) {
    const input = sizes?.input ?? file?.inputSize ?? dim;
    const cell = weights
      ? gru({ hidden: dim, input, weights })
      : gru({ hidden: dim, input, seed: options.seed });
    for (const length of gridLengths) {
      const problemBatch = file?.batch ?? batch;
      yield {
        cell,
        dim,
        batch: problemBatch,
        length,
        inputs:
          file?.inputs ??
          createRandom(options.seed * 7919 + dim * 31 + length).fillNormal(
            new Float32Array(problemBatch * length * input),
          ),
        initialState: file?.initialState ?? new Float32Array(problemBatch * dim),
        source: {
          weights: options.weights ?? `flax default initialisation, seed ${options.seed}`,
          inputs: options.inputs ?? `N(0, 1), seed ${options.seed}; initial state 0`,
        },
      };
    }
  }
}

/** max |x − y| over two arrays of the same length (NaN when lengths differ or any entry is NaN). */
export function maxAbsDifference(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) return Number.NaN;
  let most = 0;
  for (let i = 0; i < x.length; i++) {
    const difference = Math.abs((x[i] ?? 0) - (y[i] ?? 0));
    if (Number.isNaN(difference)) return Number.NaN;
    if (difference > most) most = difference;
  }
  return most;
}
