/**
 * Test helpers shared by elk's packages. Private to the workspace.
 *
 * @module
 */

export { type ComputeBinding, runCompute } from './run-compute.ts';
export { seededUniform } from './seeded-uniform.ts';
export { describeWebGpu, getTestDevice, type TestGpu, webGpuRequired } from './webgpu-device.ts';
