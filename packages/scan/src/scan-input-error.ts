/**
 * Thrown when a scan receives bad input: a typed array of the wrong length or type, or a size that is not a
 * positive integer. It names the offending argument and what was expected.
 *
 * @example
 * ```ts
 * try {
 *   scanAffineDiagonal({ a: new Float64Array(3), b: new Float64Array(4), batch: 1, length: 4, dim: 1 });
 * } catch (error) {
 *   if (error instanceof ScanInputError) console.log(error.argument, error.expected); // 'a', 'length 4'
 * }
 * ```
 */
export class ScanInputError extends Error {
  /** The name of the offending argument, e.g. `'a'`, `'x0'`, `'length'`. */
  readonly argument: string;
  /** What was expected, e.g. `'length 4'`, `'a positive integer'`, `'Float32Array (the type of a)'`. */
  readonly expected: string;
  /** A short description of what was received. */
  readonly received: string;

  constructor(argument: string, expected: string, received: string) {
    super(`Invalid scan input \`${argument}\`: expected ${expected}, received ${received}.`);
    this.name = 'ScanInputError';
    this.argument = argument;
    this.expected = expected;
    this.received = received;
  }
}
