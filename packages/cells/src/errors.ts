/**
 * Typed errors of `@elk/cells`. Each names the offending argument (or tensor) and what was expected.
 *
 * @module
 */

/**
 * Thrown when a cell is constructed with bad options (a size that is not a positive integer, an unknown
 * layout or integrator), or called with arrays of the wrong length.
 *
 * @example
 * ```ts
 * try {
 *   gru({ hidden: 0, input: 1 });
 * } catch (error) {
 *   if (error instanceof CellConfigError) console.log(error.argument, error.expected); // 'hidden', 'a positive integer'
 * }
 * ```
 */
export class CellConfigError extends Error {
  /** The offending option or argument, e.g. `'hidden'`, `'states'`. */
  readonly argument: string;
  /** What was expected, e.g. `'a positive integer'`, `'length 8 (batch 2 × stateSize 4)'`. */
  readonly expected: string;
  /** A short description of what was received. */
  readonly received: string;

  constructor(argument: string, expected: string, received: string) {
    super(`Invalid cell argument \`${argument}\`: expected ${expected}, received ${received}.`);
    this.name = 'CellConfigError';
    this.argument = argument;
    this.expected = expected;
    this.received = received;
  }
}

/**
 * Thrown when a cell's `weights` record lacks a tensor, holds one of the wrong shape, or is ambiguous.
 *
 * @example
 * ```ts
 * try {
 *   gru({ hidden: 4, input: 2, weights: {} });
 * } catch (error) {
 *   if (error instanceof WeightsError) console.log(error.tensor, error.expected); // 'ir.kernel', 'shape [2, 4]'
 * }
 * ```
 */
export class WeightsError extends Error {
  /** The tensor's name, e.g. `'ir.kernel'` or `'weight_ih_l0'`. */
  readonly tensor: string;
  /** What was expected, e.g. `'shape [2, 4]'`. */
  readonly expected: string;
  /** What was found, e.g. `'shape [4, 2]'` or `'no such tensor'`. */
  readonly received: string;

  constructor(tensor: string, expected: string, received: string) {
    super(`Invalid weights \`${tensor}\`: expected ${expected}, received ${received}.`);
    this.name = 'WeightsError';
    this.tensor = tensor;
    this.expected = expected;
    this.received = received;
  }
}

/**
 * Thrown by {@link readSafetensors} on a malformed file and by {@link writeSafetensors} on a bad tensor.
 * `part` names what is wrong: `'header length'`, `'header'`, a tensor name, …
 *
 * @example
 * ```ts
 * try {
 *   readSafetensors(new Uint8Array(3));
 * } catch (error) {
 *   if (error instanceof SafetensorsError) console.log(error.part); // 'header length'
 * }
 * ```
 */
export class SafetensorsError extends Error {
  /** The part of the file at fault: `'header length'`, `'header'`, or a tensor name. */
  readonly part: string;
  /** What was expected there. */
  readonly expected: string;
  /** What was found. */
  readonly received: string;

  constructor(part: string, expected: string, received: string) {
    super(`Invalid safetensors \`${part}\`: expected ${expected}, received ${received}.`);
    this.name = 'SafetensorsError';
    this.part = part;
    this.expected = expected;
    this.received = received;
  }
}
