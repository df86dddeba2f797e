/**
 * The WebGPU {@link Session}: every primitive of `@elk/solvers`' Backend contract enqueued on resident
 * buffers. Nothing is read back between iterations; `readStatus` reads a few words per sequence.
 *
 * @module
 */

import type { FloatArray } from '@elk/cells';
import type {
  KalmanStepOptions,
  LinearizationMode,
  Precision,
  Session,
  SessionStatus,
  SolverProblem,
  StateSlot,
  UpdateOptions,
} from '@elk/solvers';
import { SolverInputError } from '@elk/solvers';
import {
  chooseScanVariant,
  type DiagonalScanParts,
  type DiagonalScanVariant,
  diagonalScanScratchBytes,
  encodeDiagonalScan,
  type ScanScratch,
} from '../affine-diagonal-scan.ts';
import type { ParkedBuffers } from '../buffer-pool.ts';
import { webGpuDefaults } from '../defaults.ts';
import { WebGpuExecutionError, WebGpuInputError } from '../errors.ts';
import { BufferUsage, storageUsage } from '../gpu-constants.ts';
import type { GpuContext, RecordedDispatch, SequenceWindow } from '../gpu-context.ts';
import { readFloat32, stagedBytes, stageRegions, writeArray } from '../transfer.ts';
import {
  encodeFinishLinearize,
  encodeLinearize,
  encodeSequential,
  prepareLinearize,
} from './cell-encoders.ts';
import { type CellShape, cellKey } from './cell-kernels.ts';
import { encodeDenseKalman, encodeDenseScan } from './dense-encoders.ts';
import { encodeDiagonalKalman } from './diagonal-kalman-encoder.ts';
import { encodeFusedQuasiIteration, fusedChunkPlan } from './fused-quasi-encoder.ts';
import { inputProjectionPlans, type ProjectionPlans, tiledLinearizeLimits } from './gemm-tile-plan.ts';
import type { KernelChoice } from './kernel-choice.ts';
import { mostTimedPasses, type PassTime, PassTimer } from './pass-timer.ts';
import { encodeScanUpdate, scanUpdateFits } from './scan-update-encoder.ts';
import { SessionBuffers } from './session-buffers.ts';
import {
  historyEntryWords,
  partialWords,
  SequenceStateField,
  type SessionParamValues,
  sequenceStateWords,
  sessionParams,
} from './session-layout.ts';
import { validateSessionProblem } from './session-problem.ts';
import { statusFromWords } from './session-status.ts';
import type { SessionView } from './session-view.ts';
import { encodeSinglePassScanUpdate, singlePassScanUpdateFits } from './single-pass-scan-update.ts';
import { chooseFusion, encodeTiledIteration, tiledIterationFits } from './tiled-iteration.ts';
import { encodeUpdate, updateValues } from './update-encoder.ts';

/** The usage of the kept staging buffers that status reads map. */
const stagingUsage = BufferUsage.mapRead | BufferUsage.copyDestination;

/** Primitives recorded before the pending commands are submitted. */
const passesPerSubmit = 64;

/** Pending error-scope results kept apart before they are folded into one (see `flush`). */
const mostPendingErrorScopes = 64;

/**
 * The settings `updateValues` reads, by property access (getters and inherited fields count as well), written
 * into `into` (returned).
 */
function readUpdateSettings(options: UpdateOptions, into: unknown[]): unknown[] {
  const { trustRegion: trust, floor } = options;
  into[0] = options.tolerance;
  into[1] = options.criterion;
  into[2] = options.reset;
  into[3] = options.resetBound;
  into[4] = options.damping;
  into[5] = trust === null ? 'null' : typeof trust;
  into[6] = trust?.increase;
  into[7] = trust?.decrease;
  into[8] = trust?.minimum;
  into[9] = trust?.maximum;
  into[10] = floor === null ? 'null' : typeof floor;
  into[11] = floor?.window;
  into[12] = floor?.resetMemory;
  into[13] = floor?.resetBound;
  return into;
}

/** Recorded primitives a session keeps (keys of old array generations or options are dropped beyond it). */
const mostReplays = 64;

/** The dispatches of one pass of a primitive, as recorded. */
interface RecordedPass {
  readonly label: string;
  readonly dispatches: RecordedDispatch[];
}

/**
 * The passes a primitive recorded last time, whether they were the same as the time before, and the first-use
 * work they did (names added to `firstUse`).
 */
interface Replay {
  readonly passes: RecordedPass[];
  readonly stable: boolean;
  readonly marks: readonly string[];
}

/**
 * A destroyed session's arrays and recordings, parked in the pool for the next session of the same shape
 * (`signature`): that session writes its own inputs, parameters and status into the same arrays and replays
 * the dispatches recorded here from its first iteration on (the bind groups name the same buffers). The
 * pool releases the arrays as free ones as soon as a storage request misses its free arrays, or on `trim`.
 */
class KeptSession implements ParkedBuffers {
  constructor(
    readonly buffers: SessionBuffers,
    readonly replays: Map<string, Replay>,
    readonly swaps: number,
  ) {}

  release(): void {
    this.buffers.release();
  }
}

/** What decides a session's arrays and dispatches besides the values in them. */
function sessionSignature(
  valid: ReturnType<typeof validateSessionProblem>,
  kernels: KernelChoice,
  scanVariant: DiagonalScanVariant,
): string {
  const { cell } = valid;
  const shape = [valid.batch, valid.length, valid.historyCapacity, cell.wgsl.parameters.byteLength];
  return JSON.stringify(['session', cellKey(cell), ...shape, scanVariant, kernels]);
}

function samePasses(a: readonly RecordedPass[], b: readonly RecordedPass[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((pass, index) => {
    const other = b[index] as RecordedPass;
    if (pass.label !== other.label || pass.dispatches.length !== other.dispatches.length) return false;
    return pass.dispatches.every((dispatch, at) => {
      const twin = other.dispatches[at] as RecordedDispatch;
      return (
        dispatch.pipeline === twin.pipeline &&
        dispatch.group === twin.group &&
        dispatch.x === twin.x &&
        dispatch.y === twin.y
      );
    });
  });
}

class GpuSession implements Session, SessionView {
  readonly precision: Precision = 'f32';
  readonly batch: number;
  readonly length: number;
  readonly stateSize: number;
  readonly context: GpuContext;
  readonly cell: CellShape;
  readonly buffers: SessionBuffers;
  #iterate: GPUBuffer;
  #candidate: GPUBuffer;
  readonly status: GPUBuffer;
  readonly inputs: GPUBuffer;
  readonly initialState: GPUBuffer;
  readonly cellParameters: GPUBuffer;
  readonly partials: GPUBuffer;
  readonly history: GPUBuffer;
  readonly historyCapacity: number;
  readonly blocks: number;
  readonly kernels: KernelChoice;
  readonly projections: ProjectionPlans | undefined;
  #pending: LinearizationMode[] = [];
  readonly #onDestroy: (session: Session) => void;
  #encoder: GPUCommandEncoder | undefined;
  /** The open compute pass that untimed primitives share (see {@link GpuSession.pass}). */
  #openPass: GPUComputePassEncoder | undefined;
  #passes = 0;
  /** Iterations recorded since the last submission. */
  #unsubmitted = 0;
  /**
   * Whether the recorded iterations are due for submission: `update` sets it, and the next primitive, status
   * read or await submits them (a status read right after an iteration rides in the same submission).
   */
  #submitDue = false;
  /** Submits the iterations still due at the caller's next await (queued by `update`). */
  readonly #submitAtAwait = () => {
    if (this.#submitDue && !this.#destroyed) this.flush();
  };
  /** The variant of this session's whole diagonal scans (`kernels.scanVariant` resolved for D and the device). */
  readonly #scanVariant: DiagonalScanVariant;
  /** The last `update`'s settings, uniform values and replay key (see {@link GpuSession.#updateValues}). */
  #lastUpdate: { settings: unknown[]; values: SessionParamValues; key: string } | undefined;
  /** Where `update` reads its settings before comparing them with the last call's. */
  #settingsScratch: unknown[] = [];
  #errors: Promise<GPUError | null>[] = [];
  #iteration = 0;
  #linearized: LinearizationMode | undefined;
  #destroyed = false;
  #timer: PassTimer | undefined;
  /** Recorded primitives by key (see {@link GpuSession.#replayed}); kept from a parked session of the same shape. */
  readonly #replays: Map<string, Replay>;
  /** What a next session must match to take this one's arrays and recordings when it is destroyed. */
  readonly #signature: string;
  /** The linearisation modes whose first-use work (see `prepareLinearize`) this session recorded. */
  readonly #prepared = new Set<LinearizationMode>();
  readonly firstUse = new Set<string>();
  /** The passes of the primitive being captured, while one is. */
  #capture: RecordedPass[] | undefined;
  #swaps: number;
  /** Whether the last `solveAffine('diagonal')` left its apply pass for `update` to fuse (or to record). */
  #pendingApply = false;
  /**
   * Whether the last `linearize` left its merit unfolded: `update` folds it in `finish-update` (step criterion, no
   * trust region: nothing reads it before), any other primitive or read records `finish-linearize` first.
   */
  #pendingMerit = false;
  /**
   * Whether the last `solveAffine('diagonal')` left its whole single-pass scan for `update` to fuse (see
   * single-pass-scan-update.ts) or, if anything else comes first, to record as it is.
   */
  #pendingScan = false;
  /** Whether this session's single-pass scans can carry `update` (decided once: D, the device, one window). */
  #singlePassUpdate = false;
  /** Which fused quasi-DEER iteration this session runs (decided once from `kernels.fusion`, the cell and the device). */
  #fusion: 'tiled' | 'chunked' | 'none' = 'none';

  constructor(
    context: GpuContext,
    problem: SolverProblem,
    onDestroy: (session: Session) => void,
    kernels: KernelChoice,
  ) {
    const valid = validateSessionProblem(problem, context.unroll);
    this.kernels = kernels;
    this.context = context;
    this.cell = valid.cell;
    this.batch = valid.batch;
    this.length = valid.length;
    this.stateSize = valid.cell.stateSize;
    this.#scanVariant = chooseScanVariant(context, kernels.scanVariant, this.stateSize);
    this.#signature = sessionSignature(valid, kernels, this.#scanVariant);
    this.#onDestroy = onDestroy;
    this.historyCapacity = valid.historyCapacity;
    const B = this.batch;
    const T = this.length;
    const D = this.stateSize;
    const I = valid.cell.inputSize;
    this.projections = inputProjectionPlans(valid.cell, kernels, tiledLinearizeLimits(context.capabilities), {
      batch: B,
      length: T,
      maxBufferSize: context.capabilities.maxBufferSize,
      sequenceBindingBytes: context.maxBindingBytes - context.capabilities.minStorageBufferOffsetAlignment,
    });
    this.windows(D);
    if (I > 0) context.sequenceWindows(B, [T * I * 4], 'inputs');
    // The arrays and recordings of a destroyed session of this shape, once nothing above can throw.
    const kept = context.pool.takeParked(this.#signature);
    if (kept && !(kept instanceof KeptSession)) kept.release();
    const adopted = kept instanceof KeptSession ? kept : undefined;
    this.#replays = adopted?.replays ?? new Map();
    this.#swaps = adopted?.swaps ?? 0;
    this.buffers = adopted?.buffers ?? new SessionBuffers(context);
    try {
      const states = B * T * D * 4;
      this.inputs = this.buffers.acquire(Math.max(4, B * T * I * 4), 'inputs');
      if (I > 0) writeArray(context, this.inputs, valid.inputs);
      this.initialState = this.buffers.acquire(B * D * 4, 'initial-state');
      writeArray(context, this.initialState, valid.initialState);
      this.#iterate = this.buffers.acquire(states, 'iterate');
      this.#candidate = this.buffers.acquire(states, 'candidate');
      // An adopted session's recordings follow its last swap parity: the arrays keep their roles.
      if (this.#swaps & 1) [this.#iterate, this.#candidate] = [this.#candidate, this.#iterate];
      if (valid.initialGuess) writeArray(context, this.#iterate, valid.initialGuess);
      else this.#encoderNow().clearBuffer(this.#iterate, 0, states);
      // As on the CPU, the candidate starts at 0 (a pooled or adopted array holds an earlier problem's values).
      this.#encoderNow().clearBuffer(this.#candidate, 0, states);
      this.cellParameters = this.buffers.acquire(Math.max(4, valid.cell.wgsl.parameters.byteLength), 'cell');
      writeArray(context, this.cellParameters, valid.cell.wgsl.parameters);
      this.blocks = Math.ceil(T / webGpuDefaults.workgroupSize);
      const chunks = Math.max(this.blocks, fusedChunkPlan(T, B).chunks);
      this.partials = this.buffers.acquire(B * chunks * partialWords * 4, 'partials');
      this.status = this.buffers.acquire(B * sequenceStateWords * 4, 'status');
      const status = new Uint32Array(B * sequenceStateWords);
      const view = new Float32Array(status.buffer);
      for (let b = 0; b < B; b++) {
        status[b * sequenceStateWords + SequenceStateField.active] = 1;
        view[b * sequenceStateWords + SequenceStateField.merit] = Number.POSITIVE_INFINITY;
        view[b * sequenceStateWords + SequenceStateField.meritSquared] = Number.POSITIVE_INFINITY;
      }
      writeArray(context, this.status, status);
      this.history = this.buffers.acquire(B * this.historyCapacity * historyEntryWords * 4, 'history');
    } catch (error) {
      // Nothing of a session that failed to start stays held.
      this.buffers.release();
      throw error;
    }
    // `scanUpdate: true` fuses into the session's own scan; 'auto' never into the single-pass one (measured
    // mixed on the H200: see webGpuDefaults.scanUpdate).
    this.#singlePassUpdate =
      this.#scanVariant === 'single-pass' && kernels.scanUpdate === true && singlePassScanUpdateFits(this);
    this.#fusion = chooseFusion(kernels.fusion, this.#scanVariant, () => tiledIterationFits(this));
  }

  get iterate(): GPUBuffer {
    return this.#iterate;
  }

  get candidate(): GPUBuffer {
    return this.#candidate;
  }

  /** b_t [B, T, D], allocated on first use (the fused quasi-DEER iteration never needs it). */
  get offset(): GPUBuffer {
    return this.buffers.lazy('offset', this.batch * this.length * this.stateSize * 4);
  }

  swapStates(): void {
    [this.#iterate, this.#candidate] = [this.#candidate, this.#iterate];
    this.#swaps++;
  }

  /**
   * Records a primitive made of dispatches only (`encode`), or, once it recorded the same dispatches twice in
   * a row (same pipelines, bind groups and grids: first-use work such as the input projections is done and
   * every lazy array allocated), the dispatches it recorded last — without rebuilding their uniforms, bind
   * groups and windows. `key` names the primitive and everything its dispatches depend on besides the
   * session's arrays (which the key's generation and swap parity cover). Timed passes are always encoded.
   */
  #replayed(key: string, encode: () => void, once = false): void {
    if (this.#timer) {
      encode();
      return;
    }
    const full = `${key}/${this.buffers.generation}/${this.#swaps & 1}`;
    const known = this.#replays.get(full);
    if (known?.stable) {
      for (const mark of known.marks) this.firstUse.add(mark);
      for (const { label, dispatches } of known.passes) {
        this.pass((pass) => {
          for (const { pipeline, group, x, y } of dispatches) {
            pass.setPipeline(pipeline);
            pass.setBindGroup(0, group);
            pass.dispatchWorkgroups(x, y);
          }
        }, label);
      }
      return;
    }
    const passes: RecordedPass[] = [];
    const before = new Set(this.firstUse);
    const generation = this.buffers.generation;
    this.#capture = passes;
    try {
      this.#begin();
      encode();
    } finally {
      this.#capture = undefined;
    }
    const marks = [...this.firstUse].filter((mark) => !before.has(mark));
    // A primitive run once per session (`once`: its first-use work is in its key) is stable from its first
    // recording that allocated nothing: a next session of the shape replays it.
    const stable = known ? samePasses(known.passes, passes) : once && this.buffers.generation === generation;
    if (this.#replays.size >= mostReplays && !known) this.#replays.clear();
    this.#replays.set(full, { passes, stable, marks });
  }

  windows(elementsPerStep: number): SequenceWindow[] {
    const bytes = [this.length * elementsPerStep * 4, this.length * this.stateSize * 4];
    if (this.cell.inputSize > 0) bytes.push(this.length * this.cell.inputSize * 4);
    if (this.projections) bytes.push(this.length * this.projections.wordsPerStep * 4);
    return this.context.sequenceWindows(this.batch, bytes, 'states');
  }

  windowValues(window: SequenceWindow, elementsPerStep: number): SessionParamValues {
    const T = this.length;
    const states = this.context.windowBinding(this.iterate, T * this.stateSize, window).residual;
    const inputs = this.context.windowBinding(this.inputs, T * this.cell.inputSize, window).residual;
    const jacobian = this.context.windowBinding(this.iterate, T * elementsPerStep, window).residual;
    const blocks = this.blocks;
    return {
      batch: window.batchCount,
      batch_base: window.batchStart,
      length: T,
      blocks,
      count: window.batchCount * blocks,
      total_batch: this.batch,
      offset_inputs: inputs,
      offset_iterate: states,
      offset_candidate: states,
      offset_jacobian: jacobian,
      offset_offset: states,
      offset_gain: states,
      offset_correction: states,
      history_capacity: this.historyCapacity,
    };
  }

  /**
   * The pending encoder, for commands outside compute passes (copies, clears, query resolves): the open pass
   * ends first. Commands are submitted every few primitives and before reads.
   */
  #encoderNow(joinDue = false): GPUCommandEncoder {
    const encoder = this.#begin(joinDue);
    this.#endPass();
    return encoder;
  }

  /**
   * The pending encoder, opened (with its error scopes) if there is none; the open pass stays open. Every
   * primitive begins here, so that the arrays and pipelines it creates fall inside the scopes.
   */
  #begin(joinDue = false): GPUCommandEncoder {
    if (this.#destroyed)
      throw new WebGpuInputError('session', 'a session not yet destroyed', 'a destroyed one');
    this.context.assertAlive();
    // Iterations due for submission go to the GPU before the next primitive is recorded (a status read joins them).
    if (this.#submitDue && !joinDue) this.flush();
    if (!this.#encoder) {
      this.context.device.pushErrorScope('out-of-memory');
      this.context.device.pushErrorScope('validation');
      this.#encoder = this.context.device.createCommandEncoder();
    }
    return this.#encoder;
  }

  /**
   * Drops the pending commands after a primitive failed while recording them (its pass may hold part of its
   * dispatches): nothing of them runs, and the next read reports it, as a pass left open would have.
   */
  #abandon(error: unknown): void {
    this.#openPass?.end();
    this.#openPass = undefined;
    if (!this.#encoder) return;
    this.#encoder = undefined;
    this.#passes = 0;
    this.#unsubmitted = 0;
    this.#submitDue = false;
    this.#pendingApply = false;
    this.#pendingMerit = false;
    this.#pendingScan = false;
    this.#errors.push(this.context.device.popErrorScope(), this.context.device.popErrorScope());
    const message = error instanceof Error ? error.message : String(error);
    this.#errors.push(
      Promise.resolve({ message: `commands dropped after a primitive failed: ${message}` } as GPUError),
    );
  }

  #endPass(): void {
    this.#openPass?.end();
    this.#openPass = undefined;
  }

  /**
   * Records a primitive's dispatches: in a pass of its own while passes are timed (its timestamps name it
   * `label`), else in the open pass shared with the primitives before it, until a copy, a read or a
   * submission needs the encoder. Each dispatch of a pass is its own usage scope (WebGPU orders their
   * storage accesses), and one pass for many primitives saves the host a begin/end pair per primitive.
   */
  pass(record: (pass: GPUComputePassEncoder) => void, label = 'pass'): void {
    if (this.#capture) {
      const dispatches: RecordedDispatch[] = [];
      this.#capture.push({ label, dispatches });
      this.context.recorder = dispatches;
      try {
        this.#record(record, label);
      } finally {
        this.context.recorder = undefined;
      }
      return;
    }
    this.#record(record, label);
  }

  #record(record: (pass: GPUComputePassEncoder) => void, label: string): void {
    try {
      if (this.#timer) {
        const pass = this.#encoderNow().beginComputePass(this.#timer.passDescriptor(label));
        record(pass);
        pass.end();
      } else {
        const encoder = this.#begin();
        this.#openPass ??= encoder.beginComputePass();
        record(this.#openPass);
      }
    } catch (error) {
      this.#abandon(error);
      throw error;
    }
    this.#passes++;
    if (this.#passes >= passesPerSubmit) this.flush();
  }

  flush(): void {
    this.#endPass();
    this.#unsubmitted = 0;
    this.#submitDue = false;
    if (!this.#encoder) return;
    this.context.device.queue.submit([this.#encoder.finish()]);
    this.#encoder = undefined;
    this.#passes = 0;
    this.#errors.push(this.context.device.popErrorScope(), this.context.device.popErrorScope());
    // A submission per iteration: between reads, fold the scopes' results into one (the first error).
    if (this.#errors.length > mostPendingErrorScopes) {
      const pending = this.#errors;
      this.#errors = [Promise.all(pending).then((errors) => errors.find((error) => error) ?? null)];
    }
  }

  async #settle(): Promise<void> {
    this.flush();
    const errors = this.#errors;
    this.#errors = [];
    for (const error of await Promise.all(errors)) {
      if (error) throw new WebGpuExecutionError(`WebGPU reported: ${error.message}`);
    }
    this.context.assertAlive();
  }

  cellPipeline(kind: string, source: () => string): GPUComputePipeline {
    return this.context.pipeline(`${kind}/${cellKey(this.cell)}`, source);
  }

  dispatchElements(pipeline: GPUComputePipeline, values: SessionParamValues, bindings: GPUBufferBinding[]) {
    const groups = values.count ?? 0;
    this.pass(
      (pass) => this.context.dispatch(pass, pipeline, sessionParams.pack(values), bindings, groups),
      pipeline.label,
    );
  }

  finishSequences(
    pipeline: GPUComputePipeline,
    bindings: GPUBufferBinding[],
    values: SessionParamValues = {},
  ): void {
    const all = { total_batch: this.batch, blocks: this.blocks, history_capacity: this.historyCapacity };
    this.pass(
      (pass) =>
        this.context.dispatch(
          pass,
          pipeline,
          sessionParams.pack({ ...all, ...values }),
          bindings,
          this.batch,
        ),
      pipeline.label,
    );
  }

  range(buffer: GPUBuffer, elementsPerStep: number, window: SequenceWindow): GPUBufferBinding {
    return this.context.windowBinding(buffer, this.length * elementsPerStep, window).range;
  }

  jacobianBuffer(mode: 'diagonal' | 'dense'): GPUBuffer {
    const D = this.stateSize;
    const perStep = mode === 'dense' ? D * D : D;
    return this.buffers.lazy(mode, this.batch * this.length * perStep * 4);
  }

  /**
   * Records the deferred `linearize`/`solveAffine` (kept back for the fused iteration) unfused, the scan's
   * deferred apply pass, and (unless `keepMerit`) the deferred `finish-linearize`.
   */
  #materialize(keepMerit = false): void {
    const pending = this.#pending;
    this.#pending = [];
    if (pending.length > 0) {
      this.#linearizeNow('diagonal');
      if (pending.length > 1) this.#solveAffineNow('diagonal');
    }
    if (this.#pendingScan) {
      this.#replayed('solve-affine/diagonal', () => this.#affineScan('all'));
      this.#pendingScan = false;
    }
    if (this.#pendingApply) {
      this.#replayed('solve-affine/diagonal-apply', () => this.#affineScan('apply'));
      this.#pendingApply = false;
    }
    if (this.#pendingMerit && !keepMerit) {
      this.#pendingMerit = false;
      this.#replayed('finish-linearize', () => encodeFinishLinearize(this));
    }
  }

  linearize(mode: LinearizationMode): void {
    if (mode !== 'none' && mode !== 'diagonal' && mode !== 'dense') {
      throw new WebGpuInputError('mode', "'none', 'diagonal' or 'dense'", String(mode));
    }
    this.#materialize();
    if (mode === 'diagonal' && this.#fusion !== 'none') {
      this.#pending = ['diagonal'];
      this.#linearized = mode;
      return;
    }
    this.#linearizeNow(mode);
  }

  /** Records the first-use work of `linearize(mode)` (see `prepareLinearize`) unless this session did. */
  #prepare(mode: LinearizationMode): void {
    if (this.#prepared.has(mode)) return;
    const done = [...this.firstUse].join();
    this.#replayed(`prepare-linearize/${mode}/${done}`, () => prepareLinearize(this, mode), true);
    this.#prepared.add(mode);
  }

  #linearizeNow(mode: LinearizationMode): void {
    this.#prepare(mode);
    this.#replayed(`linearize/${mode}`, () => encodeLinearize(this, mode));
    this.#pendingMerit = true;
    this.#linearized = mode;
  }

  #requireMode(mode: LinearizationMode, primitive: string): void {
    if (this.#linearized !== mode) {
      throw new WebGpuInputError(
        'mode',
        `the mode of the last linearize ('${this.#linearized ?? 'none yet'}') in ${primitive}`,
        String(mode),
      );
    }
  }

  solveAffine(mode: LinearizationMode): void {
    this.#requireMode(mode, 'solveAffine');
    if (this.#pending.length === 1 && mode === 'diagonal') {
      this.#pending.push(mode);
      return;
    }
    this.#materialize(true);
    this.#solveAffineNow(mode);
  }

  #solveAffineNow(mode: LinearizationMode): void {
    if (mode === 'none') {
      const bytes = this.batch * this.length * this.stateSize * 4;
      this.#encoderNow().copyBufferToBuffer(this.offset, 0, this.candidate, 0, bytes);
      return;
    }
    if (mode === 'diagonal') {
      if (this.#singlePassUpdate) {
        // The whole scan waits for `update`, which fuses it when it can (see single-pass-scan-update.ts).
        this.#pendingScan = true;
        return;
      }
      if (this.#fusesScanUpdate() && scanUpdateFits(this)) {
        // The apply pass waits for `update`, which fuses it when it can (see scan-update-kernels.ts).
        this.#replayed('solve-affine/diagonal-prefixes', () => this.#affineScan('prefixes'));
        this.#pendingApply = true;
        return;
      }
      this.#replayed('solve-affine/diagonal', () => this.#affineScan('all'));
      return;
    }
    this.#replayed('solve-affine/dense', () =>
      encodeDenseScan(this, this.jacobianBuffer('dense'), this.offset, this.candidate, false),
    );
  }

  #fusesScanUpdate(): boolean {
    const choice = this.kernels.scanUpdate;
    return choice === 'auto' ? this.stateSize >= webGpuDefaults.scanUpdateFromStateSize : choice;
  }

  /** The diagonal scan of `solveAffine`: x = candidate from a = diag A_t and b = b_t (`parts` of it). */
  #affineScan(parts: DiagonalScanParts): void {
    this.#diagonalScan(this.jacobianBuffer('diagonal'), this.offset, this.candidate, false, parts);
  }

  /** The chunk scratch of the session's diagonal scans (forward or reverse: the same sizes). */
  scanScratch(): ScanScratch {
    const shape = {
      batch: this.batch,
      length: this.length,
      dim: this.stateSize,
      variant: this.#scanVariant,
    };
    // The scan windows its arrays itself (a, b and x only): its scratch follows its windows.
    const bytes = diagonalScanScratchBytes(this.context, shape);
    return {
      aggregates: this.buffers.lazy('aggregates', bytes),
      prefixes: this.buffers.lazy('prefixes', bytes),
    };
  }

  #diagonalScan(
    a: GPUBuffer,
    b: GPUBuffer,
    x: GPUBuffer,
    reverse: boolean,
    parts: DiagonalScanParts = 'all',
  ): void {
    // The whole scan runs the chosen variant; the parts kept apart for `update` run the three passes.
    const variant = parts === 'all' ? this.#scanVariant : 'three-pass';
    const shape = { batch: this.batch, length: this.length, dim: this.stateSize, reverse, variant };
    const scratch = this.scanScratch();
    // Stopped sequences are skipped (their candidate is left as it was, as on the CPU).
    const running = { buffer: this.status, stride: sequenceStateWords };
    this.pass(
      (pass) => encodeDiagonalScan(this.context, pass, { a, b, x, running }, shape, scratch, parts),
      reverse ? 'diagonal-scan/reverse' : 'diagonal-scan',
    );
  }

  solveKalman(options: KalmanStepOptions): void {
    const { mode, estimator, lambda } = options;
    this.#requireMode(mode, 'solveKalman');
    this.#materialize();
    if (lambda !== 'session' && !(typeof lambda === 'number' && lambda >= 0 && Number.isFinite(lambda))) {
      throw new WebGpuInputError('lambda', "a finite number ≥ 0 or 'session'", String(lambda));
    }
    if (estimator !== 'smoother' && estimator !== 'filter') {
      throw new WebGpuInputError('estimator', "'smoother' or 'filter'", String(estimator));
    }
    this.#begin();
    if (mode === 'diagonal') {
      encodeDiagonalKalman(this, options);
      if (estimator === 'smoother') {
        const gain = this.buffers.lazy('gain', this.batch * this.length * this.stateSize * 4);
        const correction = this.buffers.lazy('correction', this.batch * this.length * this.stateSize * 4);
        this.#diagonalScan(gain, correction, this.candidate, true);
      }
      return;
    }
    encodeDenseKalman(this, options);
  }

  update(options: UpdateOptions): void {
    const { tolerance, criterion, trustRegion } = options;
    if (!(typeof tolerance === 'number' && tolerance >= 0)) {
      throw new WebGpuInputError('tolerance', 'a number ≥ 0', String(tolerance));
    }
    if (criterion !== 'step' && criterion !== 'merit') {
      throw new WebGpuInputError('criterion', "'step' or 'merit'", String(criterion));
    }
    const { values, key } = this.#updateValues(options);
    this.#iteration++;
    const fusible = criterion === 'step' && !trustRegion && (options.damping ?? 1) === 1;
    if (this.#pending.length === 2 && fusible) {
      this.#pending = [];
      if (this.#fusion === 'tiled') {
        // One dispatch (after its clear) writes the next iterate into the other array; then they swap roles.
        this.#prepare('diagonal');
        this.#replayed(`tiled-iteration/${key}`, () => encodeTiledIteration(this, values));
        this.swapStates();
      } else {
        encodeFusedQuasiIteration(this, values);
      }
    } else {
      // A step-criterion update without trust region reads nothing the deferred work would write before its
      // decision: it can carry the scan (or its apply pass) and fold the last linearize's merit.
      const carries = criterion === 'step' && !trustRegion;
      const merit = this.#pendingMerit && carries;
      if (merit) this.#pendingMerit = false;
      if (this.#pendingScan && carries) {
        // The single-pass scan and this update in one dispatch (after the scan's clear).
        this.#replayed(`single-pass-scan-update/${merit}/${key}`, () =>
          encodeSinglePassScanUpdate(this, values, merit),
        );
        this.#pendingScan = false;
      } else if (this.#pendingApply && carries) {
        // The scan's apply pass and this update in one pass (the candidate is written once, never read back).
        this.#replayed(`scan-update/${merit}/${key}`, () => encodeScanUpdate(this, values, merit));
        this.#pendingApply = false;
      } else {
        this.#materialize();
        this.#replayed(`update/${merit}/${key}`, () => encodeUpdate(this, options, values, merit));
      }
    }
    // An iteration ends here: submitting it (every `submitEvery` iterations) lets the GPU run it while the host
    // records the next ones. The submission waits for the next primitive or status read (a read's copies then
    // ride in it: one submission instead of two) or, failing those, for the caller's next await.
    // The first iteration goes at once: the GPU idles until then.
    this.#unsubmitted++;
    const due = this.#unsubmitted >= this.kernels.submitEvery || this.#iteration === 1;
    if (due && !this.#submitDue) {
      this.#submitDue = true;
      queueMicrotask(this.#submitAtAwait);
    }
  }

  /**
   * `update`'s uniform values and the replay key made of them, rebuilt only when a setting differs from the last
   * call's (the solver passes the same settings every iteration: the rebuild took ~7 µs of host time each).
   */
  #updateValues(options: UpdateOptions): { values: SessionParamValues; key: string } {
    // Read into a scratch array kept between calls: the common call (same settings) allocates nothing.
    const settings = readUpdateSettings(options, this.#settingsScratch);
    const last = this.#lastUpdate;
    if (last) {
      let same = true;
      for (let index = 0; index < settings.length && same; index++) {
        same = Object.is(settings[index], last.settings[index]);
      }
      if (same) return last;
    }
    let values: SessionParamValues;
    try {
      values = updateValues(options, this);
    } catch (error) {
      if (!(error instanceof SolverInputError)) throw error;
      throw new WebGpuInputError(error.argument, error.expected, error.received);
    }
    this.#lastUpdate = { settings, values, key: Object.values(values).join(',') };
    this.#settingsScratch = [];
    return this.#lastUpdate;
  }

  sequential(): void {
    this.#materialize();
    this.#begin();
    encodeSequential(this);
  }

  setActive(active: Uint8Array): void {
    this.#materialize();
    if (!(active instanceof Uint8Array) || active.length !== this.batch) {
      throw new WebGpuInputError('active', `a Uint8Array of length ${this.batch}`, String(active));
    }
    this.flush();
    for (let b = 0; b < this.batch; b++) {
      const word = Uint32Array.of(active[b] === 0 ? 0 : 1);
      writeArray(this.context, this.status, word, (b * sequenceStateWords + SequenceStateField.active) * 4);
    }
  }

  setLambda(lambda: number | Float64Array): void {
    this.#materialize();
    const values =
      typeof lambda === 'number'
        ? new Float64Array(this.batch).fill(lambda)
        : lambda instanceof Float64Array
          ? lambda
          : undefined;
    if (!values || values.length !== this.batch || values.some((value) => !(value >= 0))) {
      throw new WebGpuInputError(
        'lambda',
        `a number ≥ 0 or a Float64Array of ${this.batch} values ≥ 0`,
        String(lambda),
      );
    }
    this.flush();
    for (let b = 0; b < this.batch; b++) {
      const word = Float32Array.of(values[b] ?? 0);
      writeArray(this.context, this.status, word, (b * sequenceStateWords + SequenceStateField.lambda) * 4);
    }
  }

  async readStatus(): Promise<SessionStatus> {
    this.#materialize();
    // Iterations may be recorded while this read is in flight: the status is of this point.
    const iteration = this.#iteration;
    const B = this.batch;
    const regions = [
      { buffer: this.status, byteLength: B * sequenceStateWords * 4 },
      { buffer: this.history, byteLength: B * this.historyCapacity * historyEntryWords * 4 },
    ];
    // The copies into a staging buffer kept in the pool ride with the iterations due for submission: one
    // submission and one map per read, and no buffer created or destroyed (on the H200's host a submission
    // costs ~0.13 ms and a new staging buffer ~0.3 ms). The error scopes of the commands before it settle
    // after the map.
    const encoder = this.#encoderNow(true);
    const staging = this.context.pool.acquire(stagedBytes(regions), stagingUsage, 'status-staging');
    const read = stageRegions(encoder, regions, staging);
    this.flush();
    const errors = this.#errors;
    this.#errors = [];
    let status: ArrayBuffer;
    let history: ArrayBuffer;
    try {
      [status, history] = (await read()) as [ArrayBuffer, ArrayBuffer];
    } catch (error) {
      // A lost device says so as the backend's typed error.
      this.context.assertAlive();
      throw error;
    } finally {
      this.context.pool.release(staging);
    }
    for (const error of await Promise.all(errors)) {
      if (error) throw new WebGpuExecutionError(`WebGPU reported: ${error.message}`);
    }
    this.context.assertAlive();
    return statusFromWords(
      iteration,
      B,
      this.historyCapacity,
      new Uint32Array(status),
      new Uint32Array(history),
    );
  }

  async readStates(slot: StateSlot = 'iterate'): Promise<FloatArray> {
    this.#materialize();
    await this.#settle();
    const buffer = slot === 'candidate' ? this.candidate : this.iterate;
    return readFloat32(this.context, buffer, this.batch * this.length * this.stateSize);
  }

  writeStates(states: FloatArray, slot: StateSlot = 'iterate'): void {
    this.#materialize();
    const size = this.batch * this.length * this.stateSize;
    if (!(states instanceof Float32Array || states instanceof Float64Array) || states.length !== size) {
      throw new WebGpuInputError(
        'states',
        `a Float32Array or Float64Array of length ${size}`,
        String(states),
      );
    }
    this.flush();
    const data = states instanceof Float32Array ? states : Float32Array.from(states);
    writeArray(this.context, slot === 'candidate' ? this.candidate : this.iterate, data);
  }

  /** Times every pass from now on (up to `capacity` passes between reads; see {@link readPassTimes}). */
  timePasses(capacity: number): void {
    if (!this.context.device.features.has('timestamp-query')) {
      throw new WebGpuInputError('device', "a device with the 'timestamp-query' feature", 'one without');
    }
    if (!(Number.isInteger(capacity) && capacity > 0 && capacity <= mostTimedPasses)) {
      throw new WebGpuInputError('capacity', `an integer from 1 to ${mostTimedPasses}`, String(capacity));
    }
    this.flush();
    this.#timer?.destroy();
    this.#timer = new PassTimer(this.context.device, capacity);
  }

  /** The GPU time of each pass recorded since {@link timePasses} or the last read, after all of them ran. */
  async readPassTimes(): Promise<PassTime[]> {
    const timer = this.#timer;
    if (!timer) throw new WebGpuInputError('session', 'a session timing its passes (timePasses)', 'one not');
    this.#materialize();
    // Submitted with the pending commands; their error scopes are settled as for every read.
    const read = timer.resolve(this.#encoderNow());
    try {
      await this.#settle();
    } catch (error) {
      // Let the copy's staging buffer go (the read maps it, then destroys it); report the error.
      read().catch(() => undefined);
      throw error;
    }
    return read();
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.flush();
    this.#timer?.destroy();
    this.#timer = undefined;
    this.#destroyed = true;
    // The arrays wait in the pool for a next session of the same shape (free to any other request).
    this.context.pool.park(
      this.#signature,
      new KeptSession(this.buffers, this.#replays, this.#swaps),
      storageUsage,
    );
    this.#onDestroy(this);
  }
}

/**
 * Times every compute pass of a WebGPU session with `timestamp-query` (a profiling aid): up to `capacity`
 * passes (at most 2048: a query set holds 4096 timestamps) between reads of {@link readSessionPassTimes};
 * passes beyond it run untimed.
 *
 * @throws {@link WebGpuInputError} when `session` is not a WebGPU session or its device lacks `timestamp-query`.
 *
 * @example
 * ```ts
 * timeSessionPasses(session, 1024);
 * session.linearize('diagonal');
 * await readSessionPassTimes(session); // [{ label: 'linearize-diagonal-tiled-…', milliseconds: 0.18 }, …]
 * ```
 */
export function timeSessionPasses(session: Session, capacity = mostTimedPasses): void {
  webGpuSession(session).timePasses(capacity);
}

/** The GPU time of each pass a session recorded since {@link timeSessionPasses} or the last read. */
export function readSessionPassTimes(session: Session): Promise<PassTime[]> {
  return webGpuSession(session).readPassTimes();
}

function webGpuSession(session: Session): GpuSession {
  if (!(session instanceof GpuSession)) {
    throw new WebGpuInputError('session', 'a session of the WebGPU backend', String(session));
  }
  return session;
}

/** Creates a WebGPU session (see {@link GpuSession}); the backend owns the pool its buffers come from. */
export function createGpuSession(
  context: GpuContext,
  problem: SolverProblem,
  onDestroy: (session: Session) => void,
  kernels: KernelChoice = {
    fusion: webGpuDefaults.fusion,
    scanUpdate: webGpuDefaults.scanUpdate,
    scanVariant: webGpuDefaults.scanVariant,
    linearize: webGpuDefaults.linearizeKernel,
    linearizeRows: webGpuDefaults.linearizeRows,
    sequential: webGpuDefaults.sequentialKernel,
    inputProjections: webGpuDefaults.inputProjections,
    submitEvery: webGpuDefaults.submitEvery,
  },
): Session {
  return new GpuSession(context, problem, onDestroy, kernels);
}
