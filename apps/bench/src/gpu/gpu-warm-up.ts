/**
 * How long gpu-grid keeps a hardware GPU busy before each timed solve (`@elk/webgpu`'s `warmUpGpu`: an H200
 * idle during the upload ran the first timed kernels at a low clock, several times slower).
 *
 * @module
 */

/** Milliseconds of arithmetic before each timed solve on a hardware adapter. */
export const GPU_WARM_UP_MILLISECONDS = 200;
