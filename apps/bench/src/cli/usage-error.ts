/**
 * A mistake of the person running the bench (unknown option, bad value, unreadable file). The CLI prints
 * its message and exits with code 2, without a stack trace.
 *
 * @example
 * ```ts
 * throw new UsageError('--seed', 'a non-negative integer', 'abc');
 * ```
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** The option or argument at fault, e.g. `'--seed'`. */
  readonly argument: string;

  constructor(argument: string, expected: string, received?: string) {
    super(
      received === undefined
        ? `${argument}: expected ${expected}`
        : `${argument}: expected ${expected}, got ${JSON.stringify(received)}`,
    );
    this.argument = argument;
  }
}

/** The exit code of a usage error (as for POSIX utilities' bad-usage convention). */
export const USAGE_EXIT_CODE = 2;
