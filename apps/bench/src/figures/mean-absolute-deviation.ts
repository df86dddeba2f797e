import type { FloatArray } from '@elk/cells';

/**
 * Mean absolute deviation of channel `channel` of states [B, T, D] from the same channel of `reference`:
 * (1 / (B T)) Σ_b Σ_t |s[b, t, channel] − s_ref[b, t, channel]|; with `channel` undefined, over every
 * channel (divided by B T D). NaN when an entry is NaN.
 *
 * @example
 * ```ts
 * meanAbsoluteDeviation(states, sequential, 4, 0); // the AR-GRU's output channel x_t
 * ```
 */
export function meanAbsoluteDeviation(
  states: ArrayLike<number>,
  reference: ArrayLike<number>,
  dim: number,
  channel?: number,
): number {
  let total = 0;
  let count = 0;
  const start = channel ?? 0;
  const stride = channel === undefined ? 1 : dim;
  for (let i = start; i < reference.length; i += stride) {
    total += Math.abs((states[i] ?? Number.NaN) - (reference[i] ?? Number.NaN));
    count++;
  }
  return count === 0 ? Number.NaN : total / count;
}

/** Channel `channel` of the first sequence of states [B, T, D] (its T values). */
export function channelOf(states: FloatArray, length: number, dim: number, channel: number): Float64Array {
  const out = new Float64Array(length);
  for (let t = 0; t < length; t++) out[t] = states[t * dim + channel] ?? Number.NaN;
  return out;
}
