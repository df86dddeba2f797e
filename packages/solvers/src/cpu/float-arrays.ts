import type { FloatArray } from '@elk/cells';
import type { Precision } from '../backend.ts';

/** A new zeroed array of the given precision. */
export function allocateFloats(precision: Precision, length: number): FloatArray {
  return precision === 'f32' ? new Float32Array(length) : new Float64Array(length);
}

/** The precision an array's type stands for. */
export function precisionOf(array: FloatArray): Precision {
  return array instanceof Float32Array ? 'f32' : 'f64';
}

/** Copies `source` into a new array of the given precision. */
export function convertFloats(source: ArrayLike<number>, precision: Precision): FloatArray {
  const out = allocateFloats(precision, source.length);
  out.set(source);
  return out;
}
