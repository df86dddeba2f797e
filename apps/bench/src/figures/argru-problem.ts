import { join } from 'node:path';
import { arGru, type Cell, type Tensor } from '@elk/cells';
import { createRandom } from '../analysis/random.ts';
import type { RunContext } from '../cli/run-context.ts';
import { TRAIN, TRAINED_ARGRU_PATH } from '../defaults.ts';
import { readTensorFile } from '../weights/load-problem-files.ts';

/** An AR-GRU sampling problem: the cell, drivers ε [B, T, 1] and the zero initial state, in f64. */
export interface ArgruProblem {
  cell: Cell;
  inputs: Float64Array;
  initialState: Float64Array;
  batch: number;
  length: number;
  /** Where the weights came from. */
  weights: string;
}

/** The trained AR-GRU's weights: `--weights` when given, else the committed `models/argru-sine.safetensors`. */
export function trainedArgruWeights(context: RunContext): { tensors: Record<string, Tensor>; path: string } {
  const path = context.options.weights ?? join(context.benchRoot, TRAINED_ARGRU_PATH);
  return { tensors: readTensorFile('--weights', path), path };
}

/**
 * The trained AR-GRU (or, with `trained: false`, a seeded untrained one of the same size) sampling
 * `length` steps of one sequence from drivers ε_t ~ N(0, 1) drawn with `seed`.
 */
export function argruProblem(
  context: RunContext,
  trained: boolean,
  length: number,
  seed: number,
  batch = 1,
): ArgruProblem {
  const source = trained ? trainedArgruWeights(context) : undefined;
  const cell = source
    ? arGru({ hidden: TRAIN.hidden, weights: source.tensors })
    : arGru({ hidden: TRAIN.hidden, seed: context.options.seed });
  return {
    cell,
    inputs: createRandom(seed).fillNormal(new Float64Array(batch * length * cell.inputSize)),
    initialState: new Float64Array(batch * cell.stateSize),
    batch,
    length,
    weights: source?.path ?? `untrained (@elk/cells default initialisation, seed ${context.options.seed})`,
  };
}
