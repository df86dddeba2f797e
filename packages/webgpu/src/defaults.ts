/**
 * Every default of `@elk/webgpu`, in one place.
 *
 * @module
 */

import type { FusionChoice, LinearizeRows, ScanUpdate, ScanVariantChoice } from './session/kernel-choice.ts';

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
   * How often `evaluate` reads a session's status (every k iterations). Sequences stop on the device (by the
   * tolerance and by the floor rule), so the reads only find out when all have stopped. A read costs the host
   * more than an iteration recorded past the stop (every kernel skips stopped sequences): measured on the H200
   * (quasi-DEER, flax GRU, B = 16, 12 iterations, `apps/bench/scripts/h200-reads.sh`, one run per case), k = 4
   * with one read in flight solved D = 8 and 16 at T = 3·10⁴–3·10⁵ in 6.3–24 ms and k = 8 with none in flight
   * in 7.9–43 ms (single runs do not separate these two; both record at most 7 iterations past the stop),
   * against 11–50 ms for k = 2 with two in flight and 14–67 ms for a read every iteration.
   */
  checkEvery: 4,
  /**
   * How many status reads `evaluate` keeps in flight while it records further iterations, so that the GPU
   * does not idle through a read's round trip (up to `checkEvery` × (`readAhead` + 1) − 1 iterations are
   * recorded past the last stop; they change nothing).
   */
  readAhead: 1,
  /**
   * Whether `evaluate` reads the status at the iteration where the tolerance is predicted to stop every
   * sequence and records nothing past it until that read answers: the iterations otherwise sent past the stop
   * (4 of 12 at D = 8 and 16, T = 3·10⁴) cost 22–42 µs each on the H200.
   */
  predictStop: true,
  /**
   * Iterations a session records before it submits them: every k-th `update` makes them due (the first one
   * always: the GPU idles until then), and the next primitive, status read (whose copies ride in the same
   * submission) or await submits them. Each submission costs ~0.13 ms on the H200's host (a CPU profile of the
   * grid's D = 8, T = 3·10⁴ solves), as much as recording two replayed iterations. Measured on the H200 (quasi-DEER,
   * flax GRU, B = 16, medians of three): k = 2 solved D = 8, T = 3·10⁴ in 2.31 ms against 2.81–3.13 for k = 1 and
   * 3.30 for k = 4, D = 16 in 3.08–3.15 against 3.17–3.39; from T = 10⁵ on (the GPU the bound) the same.
   */
  submitEvery: 2,
  /**
   * Whether sessions fuse quasi-DEER's iteration (see `WebGpuBackendOptions.fusion`). Off: measured on the H200
   * (flax GRU, B = 16), the unfused kernels took 0.54 / 0.81 / 4.1 / 12.8 ms per iteration at T = 3·10⁴ and
   * D = 8 / 16 / 32 / 64 against 0.73 / 2.2 / 6.7 / 33 ms with the chunked passes; the tiled iteration
   * (resident solves, interleaved) took 15.5–16.4 against 13.3–13.4 ms at D = 64, T = 3·10⁴, 46.5 against
   * 40.1–40.5 ms at D = 64, T = 10⁵ and 5.9 against 5.1–5.5 ms at D = 32, T = 3·10⁴, with a 25 % lower peak.
   */
  fusion: false as FusionChoice,
  /**
   * Whether sessions fuse `update` into the apply pass of quasi-DEER's scan (see
   * `WebGpuBackendOptions.scanUpdate`): 20 bytes per element instead of 28 for the two passes, and one
   * dispatch fewer per iteration. `'auto'`: from {@link webGpuDefaults.scanUpdateFromStateSize} on, into the
   * three-pass scan. `true` fuses into a session's single-pass vec4 scan where it runs (see
   * session/single-pass-scan-update.ts), which `'auto'` leaves apart: measured on the H200 (quasi-DEER, flax GRU,
   * B = 16, medians of three, one call) D = 8 solved in 11.7 / 34.3 ms fused against 12.2 / 35.2 apart at
   * T = 3·10⁵ / 10⁶ but 4.68 against 4.29 at 10⁵, and D = 16 in 7.71 / 21.0 / 67.0 against 7.10 / 19.8 / 63.5 at
   * T = 10⁵ / 3·10⁵ / 10⁶ (the epilogue's registers and partials reduction slow the look-back kernel about as
   * much as the pass it saves).
   */
  scanUpdate: 'auto' as ScanUpdate,
  /**
   * The state size from which `'auto'` fuses: the fused pass walks a chunk of one channel per invocation, so
   * its accesses coalesce over D channels only. Measured on the H200 (flax GRU, B = 16, pass timestamps):
   * scan + update 0.41 ms fused against 0.53 apart at D = 32, T = 10⁵; 1.86 against 1.48 at D = 8, T = 10⁶.
   */
  scanUpdateFromStateSize: 32,
  /**
   * Which diagonal scan runs (see `WebGpuBackendOptions.scanVariant`). `'auto'`: the single-pass vec4 kernel on
   * NVIDIA adapters where D is a multiple of 4 (D ≤ 1024) — measured on the H200 (B = 16, D = 8) at 61–64 / 66 /
   * 73 % of a copy of the same size for 10⁷ / 10⁸ / 5·10⁸ elements against 51 / 47 / 33 % for the three passes
   * — and the three passes elsewhere (other vendors are not yet validated; software adapters emulate the
   * look-back's waiting on CPU threads).
   */
  scanVariant: 'auto' as ScanVariantChoice,
  /**
   * Staged columns the tiled linearisation walks per loop step, their loads issued before their multiply-adds
   * (1: one at a time, the compiler schedules).
   */
  linearizeUnroll: 1,
  /**
   * The linearisation kernel (see `WebGpuBackendOptions.linearizeKernel`): `'tiled'` for `@elk/cells`' GRU and
   * Elman cells (a workgroup stages 64 rows [u_t, s_{t−1}] in workgroup memory, each invocation accumulates
   * 4 units × R rows in registers from transposed vec4 weights, R from 1 at D ≤ 8 to 4 from D = 29 on with the
   * input projections precomputed, where the device allows the workgroup size; see gemm-tile-plan.ts); every
   * other cell, the dense mode and D > 128
   * run `'per-element'` (one invocation per (b, t) walking all the cell's weights). Measured on the H200 (flax
   * GRU, B = 16, GPU clock raised first): `linearize` 2.9 / 0.46 / 3.1 ms tiled against 8.9 / 0.66 / 4.3 ms
   * per-element at (D, T) = (64, 3·10⁴), (16, 3·10⁴), (8, 10⁶); quasi-DEER's resident solve faster in 11 of
   * the grid's 15 measured cases (up to 1.9× at D = 64, T = 3·10⁵), slower in 3.
   */
  linearizeKernel: 'tiled',
  /** Rows per invocation of the tiled linearisation (see `WebGpuBackendOptions.linearizeRows`). */
  linearizeRows: 'auto' as LinearizeRows,
  /**
   * Whether the tiled linearisation precomputes the input half of the gates (see
   * `WebGpuBackendOptions.inputProjections`): `'auto'` does from this state size on. Measured on the H200
   * (flax GRU, I = D, B = 16; GPU time per quasi-DEER iteration): 3.00 against 4.37 ms at (D, T) = (8, 10⁶),
   * 1.42 against 2.33 ms at (32, 10⁵), 4.78 against 7.11 ms at (64, 10⁵); smaller D were not measured.
   */
  inputProjections: 'auto',
  precomputedProjectionsFromStateSize: 8,
  /**
   * The sequential kernel on hardware adapters (see `WebGpuBackendOptions.sequentialKernel`): `'row-parallel'`
   * (GRU and Elman: one workgroup per sequence, one invocation per output unit, the state in workgroup memory;
   * other cells fall back to `'per-sequence'`). Measured on the H200 (flax GRU, B = 16, T = 3·10⁴): 2.8 / 3.7 /
   * 15 / 30 µs per step at D = 8 / 16 / 32 / 64, against 14 / 40 µs (D = 8 / 16) and ~470 µs (D = 64) for
   * `'per-sequence'`. Software adapters default to `'per-sequence'` (they emulate barriers on CPU threads).
   */
  sequentialKernel: 'row-parallel',
  /** History entries kept per sequence when a problem does not say (as in `@elk/solvers`). */
  historyCapacity: 64,
  /** The reset heuristic's clip bound when `update` does not give one (the reference's 1e8). */
  resetBound: 1e8,
} as const;
