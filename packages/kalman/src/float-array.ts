import type { FloatArray } from './model.ts';

/** A new zero-filled array of the same typed-array type as `like` (f32 stays f32, f64 stays f64). */
export function allocateLike(like: FloatArray, length: number): FloatArray {
  return like instanceof Float32Array ? new Float32Array(length) : new Float64Array(length);
}

/** A copy of `values` with the typed-array type of `like`. */
export function convertLike(like: FloatArray, values: FloatArray): FloatArray {
  return like instanceof Float32Array ? Float32Array.from(values) : Float64Array.from(values);
}
