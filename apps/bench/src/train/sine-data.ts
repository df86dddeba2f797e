import type { Random } from '../analysis/random.ts';
import type { SequenceBatch } from './argru-loss.ts';

/** Noisy sine waves: x_t = amplitude · sin(2π t / period + φ) + noise · ε_t, φ ~ U[0, 2π), ε_t ~ N(0, 1). */
export interface SineWaves {
  period: number;
  amplitude: number;
  noise: number;
}

/**
 * Draws `batch` noisy sine sequences of `length + 1` samples (x_0 … x_T), each with a random phase.
 *
 * @example
 * ```ts
 * const sequences = noisySineBatch({ period: 25, amplitude: 1, noise: 0.1 }, 16, 200, createRandom(0));
 * ```
 */
export function noisySineBatch(
  waves: SineWaves,
  batch: number,
  length: number,
  random: Random,
): SequenceBatch {
  const data = new Float64Array(batch * (length + 1));
  for (let b = 0; b < batch; b++) {
    const phase = 2 * Math.PI * random.uniform();
    for (let t = 0; t <= length; t++) {
      data[b * (length + 1) + t] =
        waves.amplitude * Math.sin((2 * Math.PI * t) / waves.period + phase) + waves.noise * random.normal();
    }
  }
  return { data, batch, length };
}
