/**
 * Parallel-in-time evaluation of nonlinear recurrences: sequential, Jacobi, DEER, quasi-DEER, ELK and quasi-ELK
 * behind one `evaluate`, and the Backend contract that every compute backend implements.
 *
 * @module
 */

export {
  type Backend,
  type ConvergenceCriterion,
  IterationFlag,
  type IterationHistory,
  type KalmanEstimator,
  type KalmanStepOptions,
  type LinearizationMode,
  type Precision,
  type Session,
  type SessionStatus,
  type SolverProblem,
  type StateSlot,
  type TrustRegionOptions,
  type UpdateOptions,
} from './backend.ts';
