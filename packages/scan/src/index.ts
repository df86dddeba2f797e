/**
 * Associative scans on the CPU: a generic scan over any element type, and the affine recurrences
 * x_t = a_t ⊙ x_{t-1} + b_t (diagonal) and x_t = A_t x_{t-1} + b_t (dense), forward and reverse; plus their
 * operators as values that carry a CPU combine and its WGSL twin.
 *
 * @module
 */

export { type AffineDenseElement, affineDenseOperator } from './affine-dense-operator.ts';
export { type AffineDiagonalElement, affineDiagonalOperator } from './affine-diagonal-operator.ts';
export type { AffineScanOptions, FloatArray } from './affine-scan-input.ts';
export {
  type AssociativeScanOptions,
  associativeScan,
  type Combine,
  defaultChunkSize,
} from './associative-scan.ts';
export type { ScanOperator, WgslFunction } from './operator.ts';
export { scanAffineDense } from './scan-affine-dense.ts';
export { type AffineDiagonalScanOptions, scanAffineDiagonal } from './scan-affine-diagonal.ts';
export { ScanInputError } from './scan-input-error.ts';
