/**
 * WGSL pieces shared by the kernels.
 *
 * @module
 */

import { linearWorkgroupWgsl } from '../dispatch-grid.ts';

/** WGSL: `linear_workgroup` and `time_index(tau, length, reverse)` (logical step → physical step). */
export const commonWgsl = /* wgsl */ `${linearWorkgroupWgsl}
fn time_index(tau: u32, length: u32, reverse: u32) -> u32 {
  return select(tau, length - 1u - tau, reverse != 0u);
}
`;

/** The linear invocation index of a 1-D kernel dispatched by workgroups of `workgroupSize`. */
export function linearInvocationWgsl(workgroupSize: number): string {
  return /* wgsl */ `
fn linear_invocation(workgroup: vec3<u32>, count: vec3<u32>, local: u32) -> u32 {
  return linear_workgroup(workgroup, count) * ${workgroupSize}u + local;
}
`;
}
