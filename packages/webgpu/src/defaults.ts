/**
 * Every default of `@elk/webgpu`, in one place.
 *
 * @module
 */

/**
 * Defaults of the WebGPU backend; each is documented where it is used.
 *
 * @example
 * ```ts
 * webGpuDefaults.maximumDenseKalmanDimension; // 8: ELK's dense Kalman step beyond it throws
 * ```
 */
export const webGpuDefaults = {
  /** Invocations per workgroup of the element-wise and chunked kernels. */
  workgroupSize: 64,
  /** Invocations per workgroup of the per-sequence reductions and chunk-carry scans (a power of two). */
  reductionWorkgroupSize: 256,
  /**
   * Invocations a chunked scan aims to keep busy: the chunk length L is chosen so that
   * batch × ceil(T / L) × channels ≈ this (about one H200's resident threads), and never below
   * {@link webGpuDefaults.minimumChunkLength}.
   */
  targetInvocations: 1 << 17,
  /** The shortest chunk a chunked scan uses (each invocation runs the recurrence over one chunk). */
  minimumChunkLength: 16,
  /** The largest state size of the dense affine scan (DEER). */
  maximumDenseDimension: 64,
  /** The largest state size of the dense Kalman step (ELK); the paper's ELK runs use D ≤ 5. */
  maximumDenseKalmanDimension: 8,
  /**
   * How often `evaluate` reads a session's status (every k iterations): between reads, k iterations are in
   * flight on the GPU with no host round trip. Sequences that meet the tolerance stop on the device at once.
   */
  checkEvery: 8,
  /**
   * Whether sessions fuse quasi-DEER's iteration (see `WebGpuBackendOptions.fusion`). Off: measured on the H200
   * (flax GRU, B = 16), the unfused kernels took 0.54 / 0.81 / 4.1 / 12.8 ms per iteration at T = 3·10⁴ and
   * D = 8 / 16 / 32 / 64 against 0.73 / 2.2 / 6.7 / 33 ms fused.
   */
  fusion: false,
  /**
   * The linearisation kernel (see `WebGpuBackendOptions.linearizeKernel`): `'per-element'`, one invocation
   * per (b, t) walking all the cell's weights itself. `'tiled'` (GRU and Elman only: a workgroup computes a
   * tile of rows' gate pre-activations as a GEMM with the weights staged in workgroup memory) is opt-in until
   * the next H200 round measures both.
   */
  linearizeKernel: 'per-element',
  /**
   * The sequential kernel (see `WebGpuBackendOptions.sequentialKernel`): `'per-sequence'`, one invocation per
   * sequence looping over T. `'row-parallel'` (GRU and Elman only: one workgroup per sequence, one invocation
   * per output unit, the state in workgroup memory) is opt-in until the next H200 round measures both.
   */
  sequentialKernel: 'per-sequence',
  /** History entries kept per sequence when a problem does not say (as in `@elk/solvers`). */
  historyCapacity: 64,
  /** The reset heuristic's clip bound when `update` does not give one (the reference's 1e8). */
  resetBound: 1e8,
} as const;
