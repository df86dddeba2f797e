import { KalmanShapeError } from './errors.ts';
import { toFloat64 } from './float-array.ts';
import type { FloatArray, Parameter } from './model.ts';

/**
 * A parameter reduced to its data and strides: the value of sequence `n` at step `t` starts at
 * `n · sequenceStride + t · stepStride` (strides are 0 where the parameter is constant).
 */
export interface ResolvedParameter {
  /** The values in f64 (a copy when given in f32). */
  readonly data: Float64Array;
  readonly sequenceStride: number;
  readonly stepStride: number;
  /** True when given as `{ constant }`. */
  readonly constant: boolean;
}

/** What a parameter's shape must be. */
export interface ParameterShape {
  readonly batch: number;
  readonly length: number;
  /** Number of values per sequence and step (e.g. D·D for a matrix). */
  readonly size: number;
  /** True for per-step parameters ([batch, length, …]); false for initial ones ([batch, …]). */
  readonly perStep: boolean;
  /** The trailing shape in words, for error messages, e.g. `'D, D'` with numbers filled in. */
  readonly trailing: string;
}

/** Start of the value of sequence `sequence` at step `step`. */
export function parameterOffset(parameter: ResolvedParameter, sequence: number, step: number): number {
  return sequence * parameter.sequenceStride + step * parameter.stepStride;
}

/** Checks a parameter's type and length and returns its strides; throws {@link KalmanShapeError}. */
export function resolveParameter(
  argument: string,
  parameter: Parameter,
  shape: ParameterShape,
): ResolvedParameter {
  if (isFloatArray(parameter)) {
    const leading = shape.perStep ? shape.batch * shape.length : shape.batch;
    const expected = leading * shape.size;
    if (parameter.length !== expected) {
      const dims = shape.perStep ? 'batch, length' : 'batch';
      throw new KalmanShapeError(
        argument,
        `length ${expected} ([${dims}, ${shape.trailing}]) or { constant: [${shape.trailing}] }`,
        `length ${parameter.length}`,
      );
    }
    return {
      data: toFloat64(parameter),
      sequenceStride: shape.perStep ? shape.length * shape.size : shape.size,
      stepStride: shape.perStep ? shape.size : 0,
      constant: false,
    };
  }
  if (typeof parameter !== 'object' || parameter === null || !isFloatArray(parameter.constant)) {
    throw new KalmanShapeError(
      argument,
      'a Float32Array or Float64Array, or { constant: Float32Array | Float64Array }',
      describe(parameter),
    );
  }
  if (parameter.constant.length !== shape.size) {
    throw new KalmanShapeError(
      `${argument}.constant`,
      `length ${shape.size} ([${shape.trailing}])`,
      `length ${parameter.constant.length}`,
    );
  }
  return { data: toFloat64(parameter.constant), sequenceStride: 0, stepStride: 0, constant: true };
}

/** A constant parameter filled with `value` (or the identity matrix of size `identityDim`). */
export function constantParameter(size: number, value: number, identityDim = 0): ResolvedParameter {
  const data = new Float64Array(size);
  if (identityDim > 0) for (let i = 0; i < identityDim; i++) data[i * identityDim + i] = 1;
  else data.fill(value);
  return { data, sequenceStride: 0, stepStride: 0, constant: true };
}

/** Is `value` a Float32Array or a Float64Array? */
export function isFloatArray(value: unknown): value is FloatArray {
  return value instanceof Float32Array || value instanceof Float64Array;
}

/** A short description of a received value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (isFloatArray(value)) return `${value.constructor.name} of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} of ${value.byteLength} bytes`;
  if (Array.isArray(value)) return `an Array of length ${value.length}`;
  if (typeof value === 'object') return 'an object without a typed array `constant`';
  return `${typeof value} ${String(value)}`;
}

/** Checks that `value` is a positive integer; throws {@link KalmanShapeError}. */
export function checkPositiveInteger(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new KalmanShapeError(argument, 'a positive integer', describe(value));
  }
  return value;
}
