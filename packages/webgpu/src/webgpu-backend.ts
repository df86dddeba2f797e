/**
 * `createWebGpuBackend`: the WebGPU implementation of `@elk/solvers`' Backend contract, plus standalone
 * GPU scans, timing and memory figures.
 *
 * @module
 */

import type { ScanOperator } from '@elk/scan';
import type { Backend, Precision, Session, SolverProblem } from '@elk/solvers';
import { type CopyBandwidth, type CopyBandwidthOptions, copyBandwidthOnGpu } from './copy-bandwidth.ts';
import { webGpuDefaults } from './defaults.ts';
import { type DeviceCapabilities, deviceCapabilities, requestWebGpuDevice } from './device-capabilities.ts';
import { WebGpuInputError } from './errors.ts';
import { type GpuScanOptions, scanOnGpu } from './generic-scan.ts';
import { GpuContext } from './gpu-context.ts';
import { checkPositiveInteger } from './input-checks.ts';
import {
  diagonalScanBandwidthOnGpu,
  type ScanBandwidth,
  type ScanBandwidthOptions,
} from './scan-bandwidth.ts';
import { type GpuAffineScanOptions, scanAffineDiagonalOnGpu } from './scan-methods.ts';
import { createGpuSession } from './session/gpu-session.ts';
import type {
  FusionChoice,
  InputProjections,
  KernelChoice,
  LinearizeKernel,
  LinearizeRows,
  ScanUpdate,
  ScanVariantChoice,
  SequentialKernel,
} from './session/kernel-choice.ts';

/** Options of {@link createWebGpuBackend}. */
export interface WebGpuBackendOptions {
  /** Use this device (the caller keeps ownership: `destroy()` frees the backend's buffers, not the device). */
  device?: GPUDevice;
  /** Print every generated WGSL shader when first compiled (also: `ELK_WEBGPU_DEBUG=1`). */
  debug?: boolean;
  /**
   * Bind at most this many bytes per storage binding (default and maximum: the device's
   * `maxStorageBufferBindingSize`); smaller values exercise the windowing of large arrays in tests.
   */
  maxBindingBytes?: number;
  /**
   * Fuse quasi-DEER's iteration (`linearize('diagonal')`, `solveAffine('diagonal')` and a plain `update`: step
   * criterion, no trust region, full step). Default {@link webGpuDefaults}.fusion, `false`. `'tiled'`: one
   * dispatch per iteration that evaluates the cell as the tiled linearisation does, scans its chunk with the
   * single-pass look-back and writes the next iterate — A_t and b_t never leave the chip, two T×B×D arrays fewer
   * (`@elk/cells`' GRU and Elman with precomputed input projections, D a multiple of 4, the arrays in one binding;
   * elsewhere the iteration runs unfused). Like `scanVariant: 'single-pass'` it needs workgroups that have
   * started to keep running while others wait on them; a chunk that waits past its bound writes NaN (reported as
   * a non-finite step). Measured slower than unfused on the H200 (README). `'chunked'` or `true`: two passes over
   * chunks of T that evaluate the cell twice, for every cell (slower than unfused on the H200 at every measured
   * size). `'auto'`: `'tiled'` where it applies in sessions whose scan runs single-pass, else unfused. A fused
   * update leaves the previous iterate, not the reset candidate, in the candidate slot.
   */
  fusion?: FusionChoice;
  /**
   * Fuse `update` (step criterion, no trust region) into the apply pass of `solveAffine('diagonal')`'s scan:
   * the pass that produces the candidate also writes the new iterate and the step's partials, instead of
   * writing the candidate for `update` to read back. Default {@link webGpuDefaults}.scanUpdate, `'auto'`: from
   * D = 32 on, where its per-channel walks coalesce (measured faster there, slower at D = 8). `true` fuses it
   * wherever it can: into the single-pass vec4 scan in sessions whose scan runs single-pass (one dispatch: the
   * scan resets each candidate vec4 where it makes it and writes the new iterate; measured about even with the
   * two apart on the H200, so `'auto'` leaves it apart), else into the three-pass scan's apply pass. Sessions
   * whose arrays need several storage-binding windows run them apart.
   */
  scanUpdate?: ScanUpdate;
  /**
   * Which diagonal scan `solveAffine('diagonal')`, the smoother and `scanAffineDiagonal` run: `'three-pass'`
   * (reduce, carry, apply), `'single-pass'` (decoupled look-back: reads a and b once; needs workgroups that
   * have started to keep running while others wait, true of desktop GPUs — a chunk that waits past its bound
   * writes NaN rather than hang), or `'auto'` (default {@link webGpuDefaults}.scanVariant: single-pass on NVIDIA
   * adapters, where it was measured and validated, when D is a multiple of 4 and at most 1024; three passes
   * elsewhere). The scan fused with `update` by `scanUpdate: 'auto'` runs three passes.
   */
  scanVariant?: ScanVariantChoice;
  /**
   * Let the shader compiler unroll the cell kernels' size-D loops, so that state vectors live in registers
   * (default: on for hardware adapters, off for software ones, whose compilers take tens of seconds on them).
   */
  unroll?: boolean;
  /**
   * The linearisation kernel (default {@link webGpuDefaults}.linearizeKernel, `'tiled'`). `'tiled'`: for
   * `@elk/cells`' GRU and Elman cells (flax or PyTorch layout), each workgroup stages the rows [u_t, s_{t−1}]
   * of 64 steps in workgroup memory and its invocations accumulate the gate pre-activations of 4 units × R
   * rows in registers, then f, diag(∂f/∂s) and b_t — the same outputs as per-element. Other cells, dense mode,
   * D > 128 and devices whose workgroup memory cannot hold the rows use `'per-element'`: one invocation per
   * (b, t) walks all the cell's weights.
   */
  linearizeKernel?: LinearizeKernel;
  /**
   * Rows per invocation of the tiled linearisation (default {@link webGpuDefaults}.linearizeRows, `'auto'`):
   * a power of two from 1 to 16 — each invocation then accumulates the gate pre-activations of 4 units × R of
   * its workgroup's 64 rows (more rows: each weight load feeds more multiply-adds, fewer invocations hide the
   * loads' latency). A workgroup that would not fit the device runs the `'auto'` plan.
   */
  linearizeRows?: LinearizeRows;
  /**
   * Whether the tiled linearisation precomputes the input half of the gates, x_t W_i, once per session
   * (default {@link webGpuDefaults}.inputProjections, `'auto'`: from D = 8 on, measured faster on the H200 at
   * D = 8, 32 and 64). `'precomputed'`: whenever the tiled kernel runs and I > 0 — each iteration then stages
   * s_{t−1} alone and does D·G·D multiply-adds per step instead of (I + D)·G·D, reading G·D precomputed floats;
   * the session holds them (B·T·G·⌈D/4⌉·16 bytes: 3× the states for the GRU; `'auto'` takes them whenever
   * they fit one buffer, so choose `'recomputed'` where GPU memory is tight). `'recomputed'`: never.
   */
  inputProjections?: InputProjections;
  /**
   * The sequential kernel (default {@link webGpuDefaults}.sequentialKernel, `'row-parallel'`, on hardware
   * adapters; `'per-sequence'` on software ones such as lavapipe or SwiftShader, which emulate workgroup
   * barriers on CPU threads). `'row-parallel'`: for `@elk/cells`' GRU and Elman cells, one workgroup per
   * sequence and one invocation per output unit, the state (and W_h where it fits) in workgroup memory across
   * all T steps; other cells use `'per-sequence'` (one invocation per sequence). Measured on the H200 (flax
   * GRU, B = 16): 2.8 / 3.7 / 15 / 30 µs per step at D = 8 / 16 / 32 / 64 against 14 / 40 / – / ~470 µs.
   */
  sequentialKernel?: SequentialKernel;
  /** How often `evaluate` reads the status (default {@link webGpuDefaults}.checkEvery). */
  checkEvery?: number;
  /**
   * Iterations a session records before it submits them to the GPU (default {@link webGpuDefaults}.submitEvery,
   * 2; 1: every `update` submits its iteration). The first iteration is submitted at once, and a status read
   * always submits what is pending.
   */
  submitEvery?: number;
  /** How many status reads `evaluate` keeps in flight (default {@link webGpuDefaults}.readAhead; 0: none). */
  readAhead?: number;
  /**
   * Whether `evaluate` reads the status where the tolerance is predicted to stop every sequence and records
   * nothing past it until that read answers (default {@link webGpuDefaults}.predictStop; see `@elk/solvers`'
   * `EvaluateOptions.predictStop`).
   */
  predictStop?: boolean;
  /** Options for dawn.node's `create()` when the backend requests its own device in Node. */
  dawnOptions?: readonly string[];
}

/**
 * The WebGPU backend: every method of `@elk/solvers` on resident GPU buffers (f32), standalone scans, and
 * the memory it holds.
 */
export interface WebGpuBackend extends Backend {
  readonly name: 'webgpu';
  /** How often `evaluate` reads the status (every k iterations). */
  readonly checkEvery: number;
  /** How many status reads `evaluate` keeps in flight while it records further iterations. */
  readonly readAhead: number;
  /** Whether `evaluate` holds its iterations at the predicted stop. */
  readonly predictStop: boolean;
  /** Iterations a session records before it submits them. */
  readonly submitEvery: number;
  /**
   * The kernel variants this backend's sessions ask for (the options, or the defaults for this adapter); where a
   * variant does not apply — other cells, modes, sizes or device limits — the other kernel runs (README).
   */
  readonly kernels: {
    readonly fusion: FusionChoice;
    readonly scanUpdate: ScanUpdate;
    readonly scanVariant: ScanVariantChoice;
    readonly linearizeKernel: LinearizeKernel;
    readonly linearizeRows: LinearizeRows;
    readonly sequentialKernel: SequentialKernel;
    readonly inputProjections: InputProjections;
  };
  /** The device the backend runs on. */
  readonly device: GPUDevice;
  /** What the device provides (limits, subgroups, timestamp queries). */
  readonly capabilities: DeviceCapabilities;
  /** Bytes of GPU buffers the backend holds now. */
  readonly allocatedBytes: number;
  /** The most bytes held at once since creation or {@link WebGpuBackend.resetPeakBytes}. */
  readonly peakBytes: number;
  /** Restarts peak tracking. */
  resetPeakBytes(): void;
  /** Frees pooled buffers not in use. */
  trim(): void;
  /**
   * The diagonal affine scan x_t = a_t ⊙ x_{t−1} + b_t (or reverse) on the GPU; same contract as
   * `@elk/scan`'s `scanAffineDiagonal`, computed in f32.
   */
  scanAffineDiagonal(options: GpuAffineScanOptions): Promise<Float32Array>;
  /**
   * `@elk/scan`'s `associativeScan` on the GPU for an operator with a WGSL twin: inclusive prefixes of
   * B × T elements given as packed words (the WGSL element type's storage layout).
   */
  scan(
    operator: Pick<ScanOperator<unknown>, 'name' | 'wgsl'>,
    elements: Float32Array,
    options: GpuScanOptions,
  ): Promise<Float32Array>;
  scan(
    operator: Pick<ScanOperator<unknown>, 'name' | 'wgsl'>,
    elements: Uint32Array,
    options: GpuScanOptions,
  ): Promise<Uint32Array>;
  /** Bandwidth of a vec4 grid-stride copy (bytes read + written per second), the reference for scans. */
  copyBandwidth(options?: CopyBandwidthOptions): Promise<CopyBandwidth>;
  /** Bandwidth of the diagonal scan on random resident data (12 bytes per element). */
  diagonalScanBandwidth(options: ScanBandwidthOptions): Promise<ScanBandwidth>;
}

class WebGpuBackendImplementation implements WebGpuBackend {
  readonly name = 'webgpu' as const;
  readonly checkEvery: number;
  readonly readAhead: number;
  readonly predictStop: boolean;
  readonly #context: GpuContext;
  readonly #ownsDevice: boolean;
  readonly #sessions = new Set<Session>();

  readonly #kernels: KernelChoice;

  constructor(
    context: GpuContext,
    ownsDevice: boolean,
    reads: { readonly checkEvery: number; readonly readAhead: number; readonly predictStop: boolean },
    kernels: KernelChoice,
  ) {
    this.#context = context;
    this.#kernels = kernels;
    this.checkEvery = reads.checkEvery;
    this.readAhead = reads.readAhead;
    this.predictStop = reads.predictStop;
    this.#ownsDevice = ownsDevice;
  }

  get device(): GPUDevice {
    return this.#context.device;
  }
  get submitEvery(): number {
    return this.#kernels.submitEvery;
  }
  get kernels(): WebGpuBackend['kernels'] {
    return {
      fusion: this.#kernels.fusion,
      scanUpdate: this.#kernels.scanUpdate,
      scanVariant: this.#kernels.scanVariant,
      linearizeKernel: this.#kernels.linearize,
      linearizeRows: this.#kernels.linearizeRows,
      sequentialKernel: this.#kernels.sequential,
      inputProjections: this.#kernels.inputProjections,
    };
  }
  get capabilities(): DeviceCapabilities {
    return this.#context.capabilities;
  }
  get allocatedBytes(): number {
    return this.#context.pool.allocatedBytes;
  }
  get peakBytes(): number {
    return this.#context.pool.peakBytes;
  }
  resetPeakBytes(): void {
    this.#context.pool.resetPeak();
  }
  trim(): void {
    this.#context.pool.trim();
  }

  precision(): Precision {
    return 'f32';
  }

  async createSession(problem: SolverProblem): Promise<Session> {
    this.#context.assertAlive();
    const session = createGpuSession(
      this.#context,
      problem,
      (closed) => this.#sessions.delete(closed),
      this.#kernels,
    );
    this.#sessions.add(session);
    return session;
  }

  scanAffineDiagonal(options: GpuAffineScanOptions): Promise<Float32Array> {
    return scanAffineDiagonalOnGpu(this.#context, {
      ...options,
      variant: options.variant ?? this.#kernels.scanVariant,
    });
  }

  scan(
    operator: Pick<ScanOperator<unknown>, 'name' | 'wgsl'>,
    elements: Float32Array,
    options: GpuScanOptions,
  ): Promise<Float32Array>;
  scan(
    operator: Pick<ScanOperator<unknown>, 'name' | 'wgsl'>,
    elements: Uint32Array,
    options: GpuScanOptions,
  ): Promise<Uint32Array>;
  async scan(
    operator: Pick<ScanOperator<unknown>, 'name' | 'wgsl'>,
    elements: Float32Array | Uint32Array,
    options: GpuScanOptions,
  ): Promise<Float32Array | Uint32Array> {
    return scanOnGpu(this.#context, operator, elements, options);
  }

  copyBandwidth(options?: CopyBandwidthOptions): Promise<CopyBandwidth> {
    return copyBandwidthOnGpu(this.#context, options);
  }

  diagonalScanBandwidth(options: ScanBandwidthOptions): Promise<ScanBandwidth> {
    return diagonalScanBandwidthOnGpu(this.#context, options);
  }

  destroy(): void {
    for (const session of [...this.#sessions]) session.destroy();
    this.#context.pool.destroy();
    if (this.#ownsDevice) this.#context.device.destroy();
  }
}

/**
 * Creates the WebGPU backend. Without `device`, requests one: `navigator.gpu` in browsers; in Node dawn.node
 * from `process.env.DAWN_NODE` when set, else from the `webgpu` package — with the adapter's full storage
 * limits and the `subgroups` and `timestamp-query` features when present.
 *
 * @throws {@link WebGpuUnavailableError} without WebGPU or adapter; {@link WebGpuDeviceLostError} for a lost device.
 * @example
 * ```ts
 * const backend = await createWebGpuBackend();
 * const result = await evaluate(cell, { inputs, initialState, method: 'quasi-deer', backend });
 * console.log(backend.capabilities.adapter, backend.peakBytes);
 * backend.destroy();
 * ```
 */
export async function createWebGpuBackend(options: WebGpuBackendOptions = {}): Promise<WebGpuBackend> {
  const linearize = options.linearizeKernel ?? webGpuDefaults.linearizeKernel;
  if (linearize !== 'per-element' && linearize !== 'tiled') {
    throw new WebGpuInputError('linearizeKernel', "'per-element' or 'tiled'", String(linearize));
  }
  const linearizeRows = options.linearizeRows ?? webGpuDefaults.linearizeRows;
  if (
    linearizeRows !== 'auto' &&
    !(
      Number.isInteger(linearizeRows) &&
      linearizeRows >= 1 &&
      linearizeRows <= 16 &&
      Number.isInteger(Math.log2(linearizeRows))
    )
  ) {
    throw new WebGpuInputError(
      'linearizeRows',
      "'auto' or a power of two from 1 to 16",
      String(linearizeRows),
    );
  }
  const scanUpdate = options.scanUpdate ?? webGpuDefaults.scanUpdate;
  if (scanUpdate !== true && scanUpdate !== false && scanUpdate !== 'auto') {
    throw new WebGpuInputError('scanUpdate', "true, false or 'auto'", String(scanUpdate));
  }
  const scanVariant = options.scanVariant ?? webGpuDefaults.scanVariant;
  if (!['auto', 'three-pass', 'single-pass'].includes(scanVariant)) {
    throw new WebGpuInputError('scanVariant', "'auto', 'three-pass' or 'single-pass'", String(scanVariant));
  }
  const inputProjections = options.inputProjections ?? webGpuDefaults.inputProjections;
  if (!['auto', 'precomputed', 'recomputed'].includes(inputProjections)) {
    throw new WebGpuInputError(
      'inputProjections',
      "'auto', 'precomputed' or 'recomputed'",
      String(inputProjections),
    );
  }
  const requestedSequential = options.sequentialKernel;
  if (
    requestedSequential !== undefined &&
    requestedSequential !== 'per-sequence' &&
    requestedSequential !== 'row-parallel'
  ) {
    throw new WebGpuInputError(
      'sequentialKernel',
      "'per-sequence' or 'row-parallel'",
      String(requestedSequential),
    );
  }
  const checkEvery = checkPositiveInteger('checkEvery', options.checkEvery ?? webGpuDefaults.checkEvery);
  const submitEvery = checkPositiveInteger('submitEvery', options.submitEvery ?? webGpuDefaults.submitEvery);
  const readAhead = options.readAhead ?? webGpuDefaults.readAhead;
  if (!(Number.isInteger(readAhead) && readAhead >= 0)) {
    throw new WebGpuInputError('readAhead', 'an integer ≥ 0', String(readAhead));
  }
  const fusion = options.fusion ?? webGpuDefaults.fusion;
  if (!(typeof fusion === 'boolean' || fusion === 'auto' || fusion === 'tiled' || fusion === 'chunked')) {
    throw new WebGpuInputError('fusion', "a boolean, 'auto', 'tiled' or 'chunked'", String(fusion));
  }
  const predictStop = options.predictStop ?? webGpuDefaults.predictStop;
  if (typeof predictStop !== 'boolean') {
    throw new WebGpuInputError('predictStop', 'a boolean', String(predictStop));
  }
  let device: GPUDevice;
  let capabilities: DeviceCapabilities;
  const ownsDevice = options.device === undefined;
  if (options.device) {
    device = options.device;
    capabilities = deviceCapabilities(device);
  } else {
    const requested = await requestWebGpuDevice(
      options.dawnOptions ? { dawnOptions: options.dawnOptions } : {},
    );
    device = requested.device;
    capabilities = requested.capabilities;
  }
  const context = new GpuContext(
    device,
    capabilities,
    options.debug ?? false,
    options.maxBindingBytes,
    options.unroll,
  );
  // Software adapters emulate workgroup barriers on CPU threads: there the one-thread-per-sequence kernel wins.
  const sequential =
    requestedSequential ?? (capabilities.software ? 'per-sequence' : webGpuDefaults.sequentialKernel);
  return new WebGpuBackendImplementation(
    context,
    ownsDevice,
    { checkEvery, readAhead, predictStop },
    {
      fusion,
      scanUpdate,
      scanVariant,
      linearize,
      linearizeRows,
      sequential,
      inputProjections,
      submitEvery,
    },
  );
}
