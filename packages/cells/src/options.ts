/**
 * Checks of cell options, shared by the cell factories.
 *
 * @module
 */
import { CellConfigError } from './errors.ts';

/**
 * Returns `value` when it is a positive integer, else throws {@link CellConfigError} naming `argument`.
 *
 * @example
 * ```ts
 * const hidden = positiveInteger('hidden', options.hidden);
 * ```
 */
export function positiveInteger(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new CellConfigError(argument, 'a positive integer', String(value));
  }
  return value;
}

/**
 * Returns `value` when it is a non-negative integer, else throws {@link CellConfigError} naming `argument`.
 *
 * @example
 * ```ts
 * const input = nonNegativeInteger('input', options.input);
 * ```
 */
export function nonNegativeInteger(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new CellConfigError(argument, 'a non-negative integer', String(value));
  }
  return value;
}

/**
 * Returns `value` when it is a finite number, else throws {@link CellConfigError} naming `argument`.
 *
 * @example
 * ```ts
 * const dt = finiteNumber('dt', options.dt ?? 0.01);
 * ```
 */
export function finiteNumber(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new CellConfigError(argument, 'a finite number', String(value));
  }
  return value;
}

/**
 * Returns `value` when it is one of `choices`, else throws {@link CellConfigError} naming `argument`.
 *
 * @example
 * ```ts
 * const layout = oneOf('layout', options.layout, ['flax', 'torch'] as const);
 * ```
 */
export function oneOf<T extends string>(argument: string, value: unknown, choices: readonly T[]): T {
  const found = choices.find((choice) => choice === value);
  if (found === undefined) {
    throw new CellConfigError(argument, `one of ${choices.map((c) => `'${c}'`).join(', ')}`, String(value));
  }
  return found;
}

/**
 * The logistic sigmoid σ(x) = 1 / (1 + e^{-x}).
 *
 * @example
 * ```ts
 * sigmoid(0); // 0.5
 * ```
 */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * softplus(x) = log(1 + e^x), computed without overflow.
 *
 * @example
 * ```ts
 * softplus(0); // Math.LN2
 * ```
 */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}
