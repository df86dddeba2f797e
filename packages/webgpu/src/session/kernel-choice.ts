/**
 * Which kernel variants a session uses (defaults chosen by measurement on the H200; see `webGpuDefaults`).
 *
 * @module
 */

/**
 * The linearisation kernel: `'per-element'` (one invocation per (b, t), every cell) or `'tiled'` (GRU and
 * Elman: the gate pre-activations of 64 rows staged in workgroup memory, 4 units × R rows per invocation;
 * other cells, the dense mode and D > 128 fall back to per-element).
 */
export type LinearizeKernel = 'per-element' | 'tiled';

/**
 * Rows per invocation of the tiled linearisation: a power of two from 1 to 16 (each invocation accumulates
 * 4 units × R rows of a workgroup's 64), or `'auto'` (the tile plan's choice for D and the device; see
 * gemm-tile-plan.ts). A forced R whose workgroup does not fit the device falls back to `'auto'`.
 */
export type LinearizeRows = number | 'auto';

/**
 * The sequential kernel: `'per-sequence'` (one invocation per sequence, every cell) or `'row-parallel'`
 * (GRU, Elman: one workgroup per sequence, one invocation per output unit; other cells fall back).
 */
export type SequentialKernel = 'per-sequence' | 'row-parallel';

/**
 * Whether the tiled linearisation precomputes the input half of the gates, x_t W_i (constant while the iterate
 * changes), once per session: `'precomputed'` (whenever the tiled kernel runs and I > 0; G·D more floats
 * per step in memory), `'recomputed'` (every iteration, the inputs staged beside the state), or `'auto'`
 * (precomputed from {@link webGpuDefaults}.precomputedProjectionsFromStateSize on).
 */
export type InputProjections = 'auto' | 'precomputed' | 'recomputed';

/**
 * Whether `update` runs in the apply pass of `solveAffine('diagonal')`'s scan: `true`, `false`, or `'auto'`
 * (from {@link webGpuDefaults}.scanUpdateFromStateSize on).
 */
export type ScanUpdate = boolean | 'auto';

/**
 * Which diagonal scan sessions and standalone scans run: `'three-pass'`, `'single-pass'` (decoupled look-back;
 * see `DiagonalScanVariant`), or `'auto'` (the single-pass vec4 kernel on hardware adapters where D is a
 * multiple of 4, the three passes elsewhere).
 */
export type ScanVariantChoice = 'auto' | 'three-pass' | 'single-pass';

/**
 * Whether sessions fuse quasi-DEER's iteration (`linearize('diagonal')`, `solveAffine('diagonal')` and a plain
 * `update`): `'tiled'` (one dispatch: the tiled linearisation, the single-pass scan's look-back and `update`
 * together — GRU and Elman cells with precomputed input projections, D a multiple of 4; elsewhere unfused; like
 * `scanVariant: 'single-pass'` it needs workgroups that have started to keep running while others wait on them),
 * `'chunked'` or `true` (two passes over chunks of T that evaluate the cell twice, every cell), `false`, or
 * `'auto'` (`'tiled'` where it applies in sessions whose scan runs single-pass, else unfused).
 */
export type FusionChoice = boolean | 'auto' | 'tiled' | 'chunked';

/** A session's kernel choices. */
export interface KernelChoice {
  /** Fuse quasi-DEER's iteration (see `WebGpuBackendOptions.fusion`). */
  readonly fusion: FusionChoice;
  /** Fuse `update` into the apply pass of `solveAffine('diagonal')`'s scan (see `WebGpuBackendOptions.scanUpdate`). */
  readonly scanUpdate: ScanUpdate;
  /** The diagonal scan of `solveAffine('diagonal')` and of the smoother (see `WebGpuBackendOptions.scanVariant`). */
  readonly scanVariant: ScanVariantChoice;
  readonly linearize: LinearizeKernel;
  /** Rows per invocation of the tiled linearisation (see `WebGpuBackendOptions.linearizeRows`). */
  readonly linearizeRows: LinearizeRows;
  readonly sequential: SequentialKernel;
  readonly inputProjections: InputProjections;
  /** Iterations recorded per submission (see `WebGpuBackendOptions.submitEvery`). */
  readonly submitEvery: number;
}
