/**
 * Associative scans on the CPU: a generic scan over any element type, and the affine recurrences
 * x_t = a_t ⊙ x_{t-1} + b_t (diagonal) and x_t = A_t x_{t-1} + b_t (dense), forward and reverse; plus their
 * operators as values that carry a CPU combine and its WGSL twin.
 *
 * @module
 */

export {
  type AssociativeScanOptions,
  associativeScan,
  type Combine,
  defaultChunkSize,
} from './associative-scan.ts';
export type { ScanOperator, WgslFunction } from './operator.ts';
export { ScanInputError } from './scan-input-error.ts';
