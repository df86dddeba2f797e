import type { FloatArray } from '@elk/cells';
import type { Backend, Precision, Session, SolverProblem } from '../backend.ts';
import { describeValue, SolverInputError } from '../errors.ts';
import { validateProblem } from '../validate-problem.ts';
import { type CpuDiagonalScan, CpuSession } from './cpu-session.ts';
import { precisionOf } from './float-arrays.ts';

/** Options of {@link createCpuBackend}. */
export interface CpuBackendOptions {
  /**
   * The diagonal scan of quasi-DEER: `'plain'` (the sequential recurrence of `@elk/scan`, default) or
   * `'compensated'` (a compensated carry, see `compensatedDiagonalScan`; lowers f32 rounding in the scan).
   */
  readonly diagonalScan?: CpuDiagonalScan;
}

/** The CPU backend: a {@link Backend} whose sessions are typed arrays in the inputs' precision. */
export interface CpuBackend extends Backend {
  readonly name: 'cpu';
}

/**
 * Creates the CPU backend, the default of `evaluate`. It computes in the precision of the inputs' array type
 * (Float64Array → f64, Float32Array → f32) and checks status every iteration.
 *
 * @example
 * ```ts
 * const backend = createCpuBackend({ diagonalScan: 'compensated' });
 * const result = await evaluate(cell, { inputs, initialState, method: 'quasi-deer', backend });
 * backend.destroy();
 * ```
 */
export function createCpuBackend(options: CpuBackendOptions = {}): CpuBackend {
  const diagonalScan = options.diagonalScan ?? 'plain';
  if (diagonalScan !== 'plain' && diagonalScan !== 'compensated') {
    throw new SolverInputError('diagonalScan', "'plain' or 'compensated'", describeValue(diagonalScan));
  }
  const sessions = new Set<Session>();
  return {
    name: 'cpu',
    checkEvery: 1,
    precision(inputs: FloatArray): Precision {
      return precisionOf(inputs);
    },
    async createSession(problem: SolverProblem): Promise<Session> {
      validateProblem(problem);
      const session = new CpuSession(problem, precisionOf(problem.inputs), diagonalScan, () =>
        sessions.delete(session),
      );
      sessions.add(session);
      return session;
    },
    destroy(): void {
      for (const session of sessions) session.destroy();
      sessions.clear();
    },
  };
}
