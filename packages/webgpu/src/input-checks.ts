/**
 * Argument checks shared by the backend's entry points: each failure is a {@link WebGpuInputError} that
 * names the argument and what was expected.
 *
 * @module
 */

import { WebGpuInputError } from './errors.ts';

/** A float array the backend accepts (computed in f32 either way). */
export type HostFloatArray = Float32Array | Float64Array;

function describe(value: unknown): string {
  if (ArrayBuffer.isView(value)) {
    const length = 'length' in value ? String(value.length) : '?';
    return `${value.constructor.name} of length ${length}`;
  }
  return value === null ? 'null' : typeof value === 'number' ? String(value) : typeof value;
}

/** Checks a positive integer size. */
export function checkPositiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new WebGpuInputError(name, 'a positive integer', describe(value));
  }
  return value;
}

/** Checks a Float32Array or Float64Array of `length` elements and returns it as f32. */
export function checkFloatArray(name: string, value: unknown, length: number, what: string): Float32Array {
  if (!(value instanceof Float32Array) && !(value instanceof Float64Array)) {
    throw new WebGpuInputError(name, `a Float32Array or Float64Array (${what})`, describe(value));
  }
  if (value.length !== length) {
    throw new WebGpuInputError(name, `length ${length} (${what})`, describe(value));
  }
  return value instanceof Float32Array ? value : Float32Array.from(value);
}

/** Checks that an f32 array has no NaN (inputs with NaN are rejected, never silently propagated). */
export function checkFinite(name: string, value: Float32Array): void {
  for (let index = 0; index < value.length; index++) {
    if (Number.isNaN(value[index])) {
      throw new WebGpuInputError(name, 'no NaN values', `NaN at index ${index}`);
    }
  }
}
