/**
 * Grids beyond 65535 workgroups: a 1-D count of workgroups is laid out as x × y with x ≤ the device's
 * `maxComputeWorkgroupsPerDimension`, and kernels recover the linear index with {@link linearWorkgroupWgsl}.
 *
 * @module
 */

import { WebGpuSizeError } from './errors.ts';

/**
 * The (x, y) dispatch of `count` workgroups: (count, 1) when it fits in one dimension, else
 * (maxPerDimension, ceil(count / maxPerDimension)). Kernels must ignore linear indices ≥ count.
 *
 * @throws {@link WebGpuSizeError} beyond maxPerDimension² workgroups.
 * @example
 * ```ts
 * dispatchGrid(100_000, 65535); // [65535, 2]
 * ```
 */
export function dispatchGrid(count: number, maxPerDimension: number): [number, number] {
  if (count <= maxPerDimension) return [Math.max(count, 1), 1];
  const y = Math.ceil(count / maxPerDimension);
  if (y > maxPerDimension) {
    throw new WebGpuSizeError(
      'workgroups',
      `at most ${maxPerDimension ** 2} workgroups (2-D dispatch)`,
      `${count} workgroups`,
    );
  }
  return [maxPerDimension, y];
}

/**
 * WGSL: `fn linear_workgroup(id, count) -> u32`, the linear workgroup index of a 2-D dispatch made by
 * {@link dispatchGrid}.
 */
export const linearWorkgroupWgsl = /* wgsl */ `
fn linear_workgroup(id: vec3<u32>, count: vec3<u32>) -> u32 {
  return id.x + id.y * count.x;
}
`;
