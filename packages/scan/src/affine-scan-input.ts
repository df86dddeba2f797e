import { ScanInputError } from './scan-input-error.ts';

/** The typed arrays the affine scans accept; the type of `a` sets the precision of the result. */
export type FloatArray = Float32Array | Float64Array;

/**
 * Inputs of the affine scans, shapes row-major: `b` and the result are [batch, length, dim], `x0` is
 * [batch, dim]; `a` is [batch, length, dim] for `scanAffineDiagonal` and [batch, length, dim, dim] for
 * `scanAffineDense`. All arrays have the same type `Array`.
 */
export interface AffineScanOptions<Array extends FloatArray> {
  /** The multipliers a_t (diagonal) or matrices A_t (dense, row-major: `A[i][j]` multiplies x_j into x_i). */
  a: Array;
  /** The offsets b_t, [batch, length, dim]. */
  b: Array;
  /** The initial state, [batch, dim]: x_0 (forward) or x_{T+1} (reverse). Default: zeros. */
  x0?: Array;
  /** Number of independent sequences (positive integer). */
  batch: number;
  /** Sequence length T (positive integer). */
  length: number;
  /** State size D (positive integer). */
  dim: number;
  /** Run t = T..1 with x_t = a_t x_{t+1} + b_t and x_{T+1} = x0. Default `false`. */
  reverse?: boolean;
  /**
   * Where to write the result, [batch, length, dim]; a new array when omitted. May be the same array
   * as `b` (the scan then runs in place).
   */
  out?: Array;
}

/** The validated sizes of an affine scan. */
export interface AffineScanShape {
  readonly batch: number;
  readonly length: number;
  readonly dim: number;
}

function describeArray(value: unknown): string {
  if (ArrayBuffer.isView(value)) {
    const length = 'length' in value ? String(value.length) : '?';
    return `${value.constructor.name} of length ${length}`;
  }
  return value === null ? 'null' : typeof value;
}

function checkSize(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ScanInputError(name, 'a positive integer', String(value));
  }
  return value;
}

function checkArray(
  name: string,
  value: unknown,
  like: FloatArray,
  expectedLength: number,
  what: string,
): void {
  const sameType =
    (value instanceof Float32Array || value instanceof Float64Array) &&
    value.constructor === like.constructor;
  if (!sameType) {
    throw new ScanInputError(name, `a ${like.constructor.name} (the type of a)`, describeArray(value));
  }
  if (value.length !== expectedLength) {
    throw new ScanInputError(name, `length ${expectedLength} (${what})`, describeArray(value));
  }
}

/**
 * Checks the sizes, types and lengths of an affine scan's inputs; returns the sizes.
 * `matrixEntries` is the number of entries of `a` per state element: 1 (diagonal) or dim (dense).
 *
 * @throws {@link ScanInputError} naming the first offending argument.
 */
export function validateAffineScanInput(
  options: AffineScanOptions<FloatArray>,
  dense: boolean,
): AffineScanShape {
  const batch = checkSize('batch', options.batch);
  const length = checkSize('length', options.length);
  const dim = checkSize('dim', options.dim);
  const { a } = options;
  if (!(a instanceof Float32Array) && !(a instanceof Float64Array)) {
    throw new ScanInputError('a', 'a Float32Array or Float64Array', describeArray(a));
  }
  const states = batch * length * dim;
  const aLength = dense ? states * dim : states;
  checkArray('a', a, a, aLength, dense ? 'batch × length × dim × dim' : 'batch × length × dim');
  checkArray('b', options.b, a, states, 'batch × length × dim');
  if (options.x0 !== undefined) checkArray('x0', options.x0, a, batch * dim, 'batch × dim');
  if (options.out !== undefined) checkArray('out', options.out, a, states, 'batch × length × dim');
  return { batch, length, dim };
}
