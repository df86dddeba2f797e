/**
 * Linear-Gaussian state-space models: the sequential Kalman filter and RTS smoother, and their
 * parallel-in-time versions (Särkkä & García-Fernández, IEEE TAC 2021) built on `@elk/scan`, in a full
 * (dense matrices) and a diagonal (independent scalar problems) form; the combination operators with
 * their WGSL twins; and the model of an ELK step.
 *
 * @module
 */

export { KALMAN_DEFAULTS, type KalmanOptions } from './defaults.ts';
export {
  combineDiagonalFilterElements,
  type DiagonalFilterElement,
  diagonalFilterOperator,
} from './diagonal-filter-operator.ts';
export {
  combineDiagonalSmootherElements,
  type DiagonalSmootherElement,
  diagonalSmootherOperator,
} from './diagonal-smoother-operator.ts';
export { type ElkModelInput, elkModel } from './elk-model.ts';
export {
  type CovarianceProblem,
  KalmanCovarianceError,
  KalmanShapeError,
  KalmanValueError,
} from './errors.ts';
export {
  combineFullFilterElements,
  type FullFilterElement,
  fullFilterOperator,
  MAX_FULL_WGSL_DIM,
} from './full-filter-operator.ts';
export {
  combineFullSmootherElements,
  type FullSmootherElement,
  fullSmootherOperator,
} from './full-smoother-operator.ts';
export { kalmanFilter } from './kalman-filter.ts';
export { kalmanSmoother } from './kalman-smoother.ts';
export type {
  DiagonalModel,
  FilterResult,
  FloatArray,
  FullModel,
  Model,
  Parameter,
  SmootherResult,
} from './model.ts';
