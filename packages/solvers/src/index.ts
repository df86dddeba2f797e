/**
 * Parallel-in-time evaluation of nonlinear recurrences: sequential, Jacobi, DEER, quasi-DEER, ELK and quasi-ELK
 * behind one `evaluate`, and the Backend contract that every compute backend implements.
 *
 * @module
 */

export {
  type Backend,
  type ConvergenceCriterion,
  type FloorRuleOptions,
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
export { compensatedDiagonalScan } from './cpu/compensated-diagonal-scan.ts';
export { type CpuBackend, type CpuBackendOptions, createCpuBackend } from './cpu/cpu-backend.ts';
export type { CpuDiagonalScan } from './cpu/cpu-session.ts';
export { defaultMaxIterations, solverDefaults, unitRoundoff } from './defaults.ts';
export { SolverInputError } from './errors.ts';
export { evaluate } from './evaluate.ts';
export {
  type EvaluateOptions,
  type EvaluateResult,
  type EvaluateTrace,
  type Method,
  methods,
  type StoppingRule,
  type StopReason,
  type TraceProjection,
} from './evaluate-options.ts';
export {
  type FloorDecision,
  type FloorRuleContext,
  type FloorRuleSettings,
  floorDecision,
  floorRuleSettings,
  mostFloorWindow,
  type SequenceHistory,
  sequenceHistory,
} from './stopping/floor-rule.ts';
export { validateProblem } from './validate-problem.ts';
