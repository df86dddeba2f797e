import type { FloatArray } from './model.ts';

/** The precision of a typed array: the observations' type sets the results' type. */
export type Precision = 'f32' | 'f64';

/** The precision of `array`. */
export function precisionOf(array: FloatArray): Precision {
  return array instanceof Float32Array ? 'f32' : 'f64';
}

/** `array` itself when it is a Float64Array, else an f64 copy (the CPU computes in f64). */
export function toFloat64(array: FloatArray): Float64Array {
  return array instanceof Float64Array ? array : Float64Array.from(array);
}

/** `values` in `precision`: itself for f64, a rounded copy for f32. */
export function toPrecision(precision: Precision, values: Float64Array): FloatArray {
  return precision === 'f32' ? Float32Array.from(values) : values;
}
