/**
 * How long gpu-grid keeps a hardware GPU busy before each timed solve (`@elk/webgpu`'s `warmUpGpu`: an H200
 * idle during the upload ran the first timed kernels at a low clock, several times slower).
 *
 * @module
 */

/** Milliseconds of arithmetic at least before each timed solve on a hardware adapter. */
export const GPU_WARM_UP_MILLISECONDS = 200;

/**
 * Milliseconds at most: past the minimum the warm-up goes on until its dispatches take as long as the fastest
 * (measured on the H200: after the host generated a case's inputs, 0.2 s of arithmetic with the GPU idle
 * between awaited dispatches left iterations 1.5–3× slower than the same iterations a moment later).
 */
export const GPU_WARM_UP_MOST_MILLISECONDS = 1500;
