import type { Session, SolverProblem } from '@elk/solvers';
import { WebGpuBackendError } from '../errors.ts';
import type { GpuContext } from '../gpu-context.ts';

export function createGpuSession(
  _context: GpuContext,
  _problem: SolverProblem,
  _onDestroy: (session: Session) => void,
): Session {
  throw new WebGpuBackendError('sessions are not implemented yet');
}
