/**
 * The problems the live demo evaluates, built deterministically from a few settings so that the browser test
 * can rebuild exactly the same case in Node and check the page's answer.
 *
 * @module
 */

import { type Cell, createRandom, gru } from '@elk/cells';
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

/** Builds the case of the settings. */
export function buildDemoCase(settings: DemoCaseSettings): DemoCase {
  const length = checkLength(settings.length);
  switch (settings.cell) {
    case 'gru':
      return gruCase(length);
    default:
      throw new DemoSettingError('cell', "'gru'", String(settings.cell));
  }
}
