import type { FloatArray } from '@elk/cells';
import { IterationFlag } from '../backend.ts';

/**
 * The reset heuristic and the step of one sequence, in one pass: with a `bound`, clips the candidate to
 * ±bound and replaces NaN by 0 (in place); returns max |c − s| (NaN when a difference is NaN) and the
 * {@link IterationFlag} bits raised.
 */
export function resetAndMeasureStep(
  candidate: FloatArray,
  iterate: FloatArray,
  bound: number | undefined,
): { step: number; flags: number } {
  let flags = 0;
  let step = 0;
  for (let i = 0; i < candidate.length; i++) {
    let value = candidate[i] as number;
    if (bound !== undefined) {
      if (Number.isNaN(value)) {
        value = 0;
        flags |= IterationFlag.reset;
      } else if (value > bound) {
        value = bound;
        flags |= IterationFlag.reset;
      } else if (value < -bound) {
        value = -bound;
        flags |= IterationFlag.reset;
      }
      candidate[i] = value;
    }
    const difference = Math.abs(value - (iterate[i] as number));
    if (difference > step) step = difference;
    else if (Number.isNaN(difference)) flags |= IterationFlag.notFinite;
  }
  return { step: (flags & IterationFlag.notFinite) !== 0 ? Number.NaN : step, flags };
}

/** ‖s − f‖∞ and ‖s − f‖₂² over a sequence (NaN when any difference is NaN). */
export function residualNorms(states: FloatArray, values: FloatArray): { infinity: number; squared: number } {
  let infinity = 0;
  let squared = 0;
  for (let i = 0; i < states.length; i++) {
    const r = (states[i] as number) - (values[i] as number);
    const magnitude = Math.abs(r);
    if (magnitude > infinity) infinity = magnitude;
    squared += r * r;
  }
  if (Number.isNaN(squared)) infinity = Number.NaN;
  return { infinity, squared };
}

/** max |x| over a sequence (NaN-blind: used on finite or reset values). */
export function maxAbs(values: FloatArray): number {
  let maximum = 0;
  for (let i = 0; i < values.length; i++) {
    const magnitude = Math.abs(values[i] as number);
    if (magnitude > maximum) maximum = magnitude;
  }
  return maximum;
}
