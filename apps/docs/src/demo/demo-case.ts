/**
 * The problems the live demo evaluates, built deterministically from a few settings so that the browser test
 * can rebuild exactly the same case in Node and check the page's answer.
 *
 * @module
 */

import { arGru, type Cell, createRandom, gru, lorenz96, readSafetensors } from '@elk/cells';
import { evaluate } from '@elk/solvers';
import { type DemoCellName, demoDefaults } from './demo-defaults.ts';

/** Thrown when the demo is asked for a case it cannot build; names the setting and what was expected. */
export class DemoSettingError extends Error {
  constructor(
    /** The offending setting, e.g. `'length'`. */
    readonly setting: string,
    /** What was expected. */
    readonly expected: string,
    received: string,
  ) {
    super(`demo setting '${setting}': expected ${expected}, received ${received}`);
    this.name = 'DemoSettingError';
  }
}

/** What {@link buildDemoCase} needs. */
export interface DemoCaseSettings {
  readonly cell: DemoCellName;
  /** T, 1 … {@link demoDefaults}.maxLength. */
  readonly length: number;
  /** The trained AR-GRU's safetensors bytes (for `'argru'`). */
  readonly weights?: Uint8Array;
}

/** One sequence (B = 1) ready for `evaluate`, in f32 (what WebGPU computes in). */
export interface DemoCase {
  readonly cell: Cell;
  readonly length: number;
  /** u_1..u_T, [1, T, I] (empty when the cell has no inputs). */
  readonly inputs: Float32Array;
  /** s_0, [1, D]. */
  readonly initialState: Float32Array;
  /** A one-line description for the page. */
  readonly description: string;
}

/** Checks T. */
export function checkLength(length: number): number {
  if (!Number.isInteger(length) || length < 1 || length > demoDefaults.maxLength) {
    throw new DemoSettingError('length', `an integer in 1 … ${demoDefaults.maxLength}`, String(length));
  }
  return length;
}

/**
 * The GRU case: a flax-initialised GRU (seeded) driven by two phase-shifted sines with seeded Gaussian noise,
 * u_{t,k} = sin(2π t / 64 + k) + 0.2 ε_{t,k}, from s_0 = 0.
 */
export function gruCase(length: number): DemoCase {
  const { hidden, input, seed } = demoDefaults.gru;
  const random = createRandom(demoDefaults.inputSeed);
  const inputs = new Float32Array(length * input);
  for (let t = 0; t < length; t++) {
    for (let k = 0; k < input; k++)
      inputs[t * input + k] = Math.sin((2 * Math.PI * t) / 64 + k) + 0.2 * random.normal();
  }
  return {
    cell: gru({ hidden, input, seed }),
    length,
    inputs,
    initialState: new Float32Array(hidden),
    description: `GRU, hidden ${hidden}, ${input} inputs, flax initialisation (seed ${seed})`,
  };
}

/**
 * The Lorenz-96 case (ELK paper, Fig. 8): D = 5, F = 8, one Dormand–Prince step of dt = 0.01 per transition, no
 * inputs, started on the attractor — s_0 is where the loop arrives after a burn-in from the perturbed
 * equilibrium (8.01, 8, 8, 8, 8), computed in f64.
 */
export async function lorenz96Case(length: number): Promise<DemoCase> {
  const { dim, forcing, dt, burnIn } = demoDefaults.lorenz96;
  const cell = lorenz96({ dim, forcing, dt });
  const start = new Float64Array(dim).fill(forcing);
  start[0] = forcing + 0.01;
  const warmUp = await evaluate(cell, {
    inputs: new Float64Array(0),
    length: burnIn,
    initialState: start,
    method: 'sequential',
  });
  return {
    cell,
    length,
    inputs: new Float32Array(0),
    initialState: Float32Array.from(warmUp.states.subarray((burnIn - 1) * dim)),
    description: `Lorenz-96, D = ${dim}, F = ${forcing}, Dormand–Prince steps of dt = ${dt}, from the attractor`,
  };
}

/**
 * The trained AR-GRU case (ELK paper, Fig. 4): the bench's model from its safetensors bytes, driven by seeded
 * standard normal noise ε_t, from s_0 = 0. The hidden size is read from the weights (`hr.kernel` is [H, H]).
 */
export function arGruCase(length: number, weights: Uint8Array | undefined): DemoCase {
  if (!weights) throw new DemoSettingError('weights', "the trained AR-GRU's safetensors bytes", 'none');
  const tensors = readSafetensors(weights);
  const hidden = tensors['hr.kernel']?.shape[0];
  if (hidden === undefined)
    throw new DemoSettingError('weights', "a tensor 'hr.kernel' of shape [H, H]", 'none');
  const cell = arGru({ hidden, weights: tensors });
  return {
    cell,
    length,
    inputs: createRandom(demoDefaults.inputSeed).fillNormal(new Float32Array(length)),
    initialState: new Float32Array(cell.stateSize),
    description: `trained AR-GRU, hidden ${hidden}, driven by seeded N(0, 1) noise`,
  };
}

/** Builds the case of the settings. */
export async function buildDemoCase(settings: DemoCaseSettings): Promise<DemoCase> {
  const length = checkLength(settings.length);
  switch (settings.cell) {
    case 'gru':
      return gruCase(length);
    case 'lorenz96':
      return lorenz96Case(length);
    case 'argru':
      return arGruCase(length, settings.weights);
    default:
      throw new DemoSettingError('cell', "'gru', 'lorenz96' or 'argru'", String(settings.cell));
  }
}
