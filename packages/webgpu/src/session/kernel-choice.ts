/**
 * Which kernel variants a session uses (opt-in variants beside the defaults, until measurement picks).
 *
 * @module
 */

/**
 * The linearisation kernel: `'per-element'` (one invocation per (b, t), every cell) or `'tiled'` (GRU and
 * Elman: the gate pre-activations of a tile of rows as one GEMM through workgroup memory; other cells, the
 * dense mode and D > 256 fall back to per-element).
 */
export type LinearizeKernel = 'per-element' | 'tiled';

/**
 * The sequential kernel: `'per-sequence'` (one invocation per sequence, every cell) or `'row-parallel'`
 * (GRU, Elman: one workgroup per sequence, one invocation per output unit; other cells fall back).
 */
export type SequentialKernel = 'per-sequence' | 'row-parallel';

/** A session's kernel choices. */
export interface KernelChoice {
  /** Fuse quasi-DEER's iteration (see `WebGpuBackendOptions.fusion`). */
  readonly fusion: boolean;
  readonly linearize: LinearizeKernel;
  readonly sequential: SequentialKernel;
}
