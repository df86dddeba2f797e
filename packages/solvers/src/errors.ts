/**
 * A bad argument to a solver: names the argument and what was expected.
 *
 * @example
 * ```ts
 * try {
 *   await evaluate(cell, { inputs, initialState, method: 'newton' });
 * } catch (error) {
 *   if (error instanceof SolverInputError) console.log(error.argument, error.expected); // 'method', '…'
 * }
 * ```
 */
export class SolverInputError extends Error {
  /** The offending argument, e.g. `'inputs'` or `'lambda'`. */
  readonly argument: string;
  /** What was expected of it, e.g. `'length 3000 (batch × length × inputSize)'`. */
  readonly expected: string;
  /** What was given, described briefly. */
  readonly received: string;

  constructor(argument: string, expected: string, received: string) {
    super(`${argument}: expected ${expected}, received ${received}`);
    this.name = 'SolverInputError';
    this.argument = argument;
    this.expected = expected;
    this.received = received;
  }
}

/** A short description of a value for error messages. */
export function describeValue(value: unknown): string {
  if (ArrayBuffer.isView(value)) {
    const length = 'length' in value ? String(value.length) : '?';
    return `${value.constructor.name} of length ${length}`;
  }
  if (typeof value === 'string') return `'${value}'`;
  if (value === null) return 'null';
  if (typeof value === 'object' || typeof value === 'function') return typeof value;
  return String(value);
}
