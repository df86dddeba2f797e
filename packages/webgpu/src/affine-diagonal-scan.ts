/**
 * Encoding the chunked diagonal affine scan on resident buffers: the three-pass scan (reduce → carry → apply,
 * see kernels/affine-diagonal-scan.ts) or the single-pass scan with decoupled look-back (a clear and one scan
 * dispatch: kernels/single-pass-vector-scan.ts where D is a multiple of 4, else
 * kernels/single-pass-diagonal-scan.ts).
 *
 * @module
 */

import { chunkPlan } from './chunk-plan.ts';
import { webGpuDefaults } from './defaults.ts';
import { WebGpuInputError } from './errors.ts';
import { storageUsage } from './gpu-constants.ts';
import type { GpuContext, SequenceWindow, WindowedBinding } from './gpu-context.ts';
import {
  diagonalScanApplyWgsl,
  diagonalScanCarryWgsl,
  diagonalScanParams,
  diagonalScanReduceWgsl,
} from './kernels/affine-diagonal-scan.ts';
import { chunkCarryParams } from './kernels/chunk-carry-scan.ts';
import {
  type SinglePassPlan,
  singlePassClearParams,
  singlePassClearWgsl,
  singlePassHeaderWords,
  singlePassMostSteps,
  singlePassPlan,
  singlePassScanParams,
  singlePassScanWgsl,
  singlePassSpinLimit,
  singlePassWorkgroupBytes,
  singlePassWorkgroupSize,
} from './kernels/single-pass-diagonal-scan.ts';
import {
  type VectorScanEpilogue,
  type VectorScanPlan,
  vectorScanHandles,
  vectorScanParams,
  vectorScanPlan,
  vectorScanSpinLimit,
  vectorScanWgsl,
  vectorScanWorkgroupBytes,
  vectorScanWorkgroupSize,
} from './kernels/single-pass-vector-scan.ts';

/**
 * A caller's work fused into the vec4 single-pass scan in place of its store of x (see
 * {@link VectorScanEpilogue}), with what it binds: from binding 7 on, `windowed` [B, T, D] arrays (bound per
 * window as x is; each one's offset in floats goes to the uniform field `offsetField`), then `whole` bindings.
 * `pack` fills the kernel's uniform block from the scan's values and those offsets; `workgroupBytes` is the
 * workgroup memory it adds.
 */
export interface SinglePassEpilogue {
  readonly kernel: VectorScanEpilogue;
  pack(values: Record<string, number>): ArrayBuffer;
  readonly windowed: readonly { readonly buffer: GPUBuffer; readonly offsetField: string }[];
  readonly whole: readonly GPUBufferBinding[];
  readonly workgroupBytes: number;
}

/**
 * Whether the vec4 single-pass scan of `shape` can carry an epilogue that binds `bindings` more arrays and
 * `workgroupBytes` more workgroup memory, with every array in one window (all sequences in one dispatch).
 */
export function singlePassEpilogueFits(
  context: GpuContext,
  shape: DiagonalScanShape,
  bindings: number,
  workgroupBytes: number,
): boolean {
  const limits = context.capabilities;
  return (
    singlePassVector(context, shape.dim) &&
    limits.maxStorageBuffersPerShaderStage >= 6 + bindings &&
    limits.maxComputeWorkgroupStorageSize >= vectorScanWorkgroupBytes(shape.dim) + workgroupBytes &&
    singlePassWindows(context, shape).length === 1
  );
}

/** Resident arrays of a diagonal scan: a, b and x are [B, T, D] f32; x0 is [B, D] (optional). */
export interface DiagonalScanBuffers {
  readonly a: GPUBuffer;
  readonly b: GPUBuffer;
  readonly x: GPUBuffer;
  readonly x0?: GPUBuffer;
  /**
   * A session's status (optional): sequence s is skipped — its x left as it was — while word
   * `s · stride` of `buffer` is 0 (the sequence stopped).
   */
  readonly running?: { readonly buffer: GPUBuffer; readonly stride: number };
}

/**
 * How a diagonal scan runs. `'three-pass'`: reduce → carry → apply (reads a and b twice: at most ~60 % of copy
 * bandwidth). `'single-pass'`: a clear, then one dispatch with decoupled look-back between chunks (reads a
 * and b once): the vec4 kernel where D is a multiple of 4 (D ≤ 1024; kernels/single-pass-vector-scan.ts), the
 * scalar kernel otherwise; where the device cannot run it (workgroup limits) or the scratch is too small for
 * it, the three-pass scan runs instead. The single-pass scan needs workgroups that have started to keep running
 * while others wait on them (true of desktop GPUs; not promised by WebGPU): a chunk that waits past its spin
 * bound writes NaN rather than hang. Measured on the H200 (B = 16, D = 8, forward and reverse alike, against a
 * copy of the same size): the vec4 kernel moved 1.84–1.92 / 2.70 / 3.03 TB/s at 10⁷ / 10⁸ / 5·10⁸ elements
 * (61–64 / 66 / 73 %), the three passes 1.54 / 1.93 / 1.38 TB/s (51 / 47 / 33 %), the scalar single-pass
 * kernel 1.2–1.3 TB/s (30–33 %).
 */
export type DiagonalScanVariant = 'three-pass' | 'single-pass';

/**
 * The variant `choice` names for a scan of D = `dim` channels on `context`'s device: `'auto'` is the single-pass
 * scan where its vec4 kernel runs (D a multiple of 4, D ≤ 1024, the device's workgroup limits) on an NVIDIA
 * adapter — the hardware it was measured and validated on; its look-back needs workgroups that have started to
 * keep running while others wait, which WebGPU does not promise — and the three passes elsewhere (other
 * vendors opt in with `'single-pass'`; software adapters emulate the waiting on CPU threads).
 *
 * @example
 * ```ts
 * chooseScanVariant(context, 'auto', 8); // 'single-pass' on an NVIDIA GPU, 'three-pass' on lavapipe
 * ```
 */
export function chooseScanVariant(
  context: GpuContext,
  choice: DiagonalScanVariant | 'auto',
  dim: number,
): DiagonalScanVariant {
  if (choice !== 'auto') return choice;
  const { software, adapter } = context.capabilities;
  return !software && /nvidia/i.test(adapter) && singlePassVector(context, dim)
    ? 'single-pass'
    : 'three-pass';
}

/** Sizes and direction of a diagonal scan. */
export interface DiagonalScanShape {
  readonly batch: number;
  readonly length: number;
  readonly dim: number;
  readonly reverse?: boolean;
  /**
   * Chunk length L (default: {@link chunkPlan}'s choice). The single-pass scan takes it as a wish: its chunks
   * are rows × K steps (scalar kernel, `singlePassPlan`) or groups × K steps (vec4 kernel, `vectorScanPlan`).
   */
  readonly chunk?: number;
  /** The kernels that run (default `'three-pass'`). */
  readonly variant?: DiagonalScanVariant;
}

/** Scratch buffers of a scan (chunk aggregates and prefixes); reused across calls of one shape. */
export interface ScanScratch {
  aggregates: GPUBuffer;
  prefixes: GPUBuffer;
}

/**
 * The bytes of scratch a scan of this shape needs per array (for `'single-pass'`, enough for either variant:
 * the single-pass scan keeps its state words in `aggregates`).
 */
export function diagonalScanScratchBytes(context: GpuContext, shape: DiagonalScanShape): number {
  const windows = context.sequenceWindows(shape.batch, [shape.length * shape.dim * 4], 'a');
  const most = Math.max(...windows.map((window) => window.batchCount));
  const { chunks } = chunkPlan(shape.length, shape.batch * shape.dim, shape.chunk);
  const threePass = most * shape.dim * chunks * 8;
  if (shape.variant !== 'single-pass') return threePass;
  return Math.max(threePass, singlePassStateBytes(context, shape));
}

/** The most steps per invocation of a single-pass scan on this device (its workgroup storage). */
function mostSteps(context: GpuContext): number {
  return Math.max(1, singlePassMostSteps(context.capabilities.maxComputeWorkgroupStorageSize));
}

/**
 * Whether the single-pass scan of `shape` runs the vec4 kernel (D a multiple of 4, D ≤ 1024, and the device's
 * workgroup limits allow it; kernels/single-pass-vector-scan.ts) rather than the scalar one.
 */
function singlePassVector(context: GpuContext, dim: number): boolean {
  const limits = context.capabilities;
  return (
    vectorScanHandles(dim) &&
    limits.maxComputeInvocationsPerWorkgroup >= vectorScanWorkgroupSize &&
    limits.maxComputeWorkgroupSizeX >= vectorScanWorkgroupSize &&
    limits.maxComputeWorkgroupStorageSize >= vectorScanWorkgroupBytes(dim)
  );
}

/** The chunk count of the single-pass scan of `shape` (vec4 or scalar kernel). */
function singlePassChunks(context: GpuContext, shape: DiagonalScanShape): number {
  const { batch, length, dim, chunk } = shape;
  if (singlePassVector(context, shape.dim)) return vectorScanPlan(batch, length, dim, chunk).chunks;
  return singlePassPlan(batch, length, dim, chunk, mostSteps(context)).chunks;
}

/** The windows of whole sequences of a single-pass scan: a, b, x and the state words each fit one binding. */
function singlePassWindows(context: GpuContext, shape: DiagonalScanShape) {
  const chunks = singlePassChunks(context, shape);
  return context.sequenceWindows(
    shape.batch,
    [shape.length * shape.dim * 4, (3 * shape.dim * chunks + singlePassHeaderWords) * 4],
    'a',
  );
}

/**
 * The bytes of state words (ticket counter, published prefixes and aggregates) a single-pass scan of `shape`
 * needs: 16 + 12 × sequences × D × chunks for the largest window.
 */
export function singlePassStateBytes(context: GpuContext, shape: DiagonalScanShape): number {
  const chunks = singlePassChunks(context, shape);
  const most = Math.max(...singlePassWindows(context, shape).map((window) => window.batchCount));
  return (singlePassHeaderWords + 3 * most * shape.dim * chunks) * 4;
}

/** Acquires scratch for scans of `shape` from the pool. */
export function acquireScanScratch(context: GpuContext, bytes: number): ScanScratch {
  return {
    aggregates: context.pool.acquire(bytes, storageUsage, 'scan-aggregates'),
    prefixes: context.pool.acquire(bytes, storageUsage, 'scan-prefixes'),
  };
}

/** Returns scratch to the pool. */
export function releaseScanScratch(context: GpuContext, scratch: ScanScratch): void {
  context.pool.release(scratch.aggregates);
  context.pool.release(scratch.prefixes);
}

/**
 * One window of whole sequences of a three-pass scan: the uniform values of its reduce and apply passes,
 * the bindings of a, b and x, its scratch ranges and its workgroups.
 */
export interface DiagonalScanWindow {
  readonly values: Parameters<typeof diagonalScanParams.pack>[0];
  readonly a: GPUBufferBinding;
  readonly b: GPUBufferBinding;
  readonly x: GPUBufferBinding;
  readonly aggregates: GPUBufferBinding;
  readonly prefixes: GPUBufferBinding;
  readonly batchStart: number;
  readonly batchCount: number;
  /** Workgroups of the reduce and apply passes (one invocation per chunk and channel). */
  readonly groups: number;
}

/** The values of `scanPlacementFields` for one window. */
function windowPlacement(
  shape: DiagonalScanShape,
  buffers: DiagonalScanBuffers,
  window: SequenceWindow,
  bindings: Record<'a' | 'b' | 'x', WindowedBinding>,
) {
  return {
    reverse: shape.reverse ? 1 : 0,
    offset_a: bindings.a.residual,
    offset_b: bindings.b.residual,
    offset_x: bindings.x.residual,
    batch_base: window.batchStart,
    running_stride: buffers.running?.stride ?? 0,
  };
}

/** The windows of a three-pass scan of `shape` (see {@link encodeDiagonalScan}). */
export function diagonalScanWindows(
  context: GpuContext,
  buffers: DiagonalScanBuffers,
  shape: DiagonalScanShape,
  scratch: ScanScratch,
): DiagonalScanWindow[] {
  const { batch, length, dim } = shape;
  const perSequence = length * dim;
  const { chunk, chunks } = chunkPlan(length, batch * dim, shape.chunk);
  const workgroupSize = webGpuDefaults.workgroupSize;
  return context.sequenceWindows(batch, [perSequence * 4], 'a').map((window) => {
    const a = context.windowBinding(buffers.a, perSequence, window);
    const b = context.windowBinding(buffers.b, perSequence, window);
    const x = context.windowBinding(buffers.x, perSequence, window);
    const count = window.batchCount * chunks * dim;
    const scratchSize = window.batchCount * dim * chunks * 8;
    return {
      values: {
        batch: window.batchCount,
        length,
        dim,
        chunk,
        chunks,
        count,
        ...windowPlacement(shape, buffers, window, { a, b, x }),
      },
      a: a.range,
      b: b.range,
      x: x.range,
      aggregates: { buffer: scratch.aggregates, offset: 0, size: scratchSize },
      prefixes: { buffer: scratch.prefixes, offset: 0, size: scratchSize },
      batchStart: window.batchStart,
      batchCount: window.batchCount,
      groups: Math.ceil(count / workgroupSize),
    };
  });
}

/**
 * Which passes of a three-pass scan {@link encodeDiagonalScan} records: `'all'`, `'prefixes'` (reduce and
 * carry: the chunk prefixes, for a caller that applies them itself) or `'apply'` (after `'prefixes'`). Parts
 * other than `'all'` need the arrays to fit one window (every window's prefixes share the scratch).
 */
export type DiagonalScanParts = 'all' | 'prefixes' | 'apply';

/**
 * Records the diagonal scan x_t = a_t ⊙ x_{t∓1} + b_t into `pass`, one window of whole sequences at a time when
 * the arrays exceed one storage binding: the three passes (or `parts` of them), or with `variant:
 * 'single-pass'` the single-pass scan (falling back to the three passes where
 * {@link encodeSinglePassDiagonalScan} declines; `parts` applies to the three passes only).
 */
export function encodeDiagonalScan(
  context: GpuContext,
  pass: GPUComputePassEncoder,
  buffers: DiagonalScanBuffers,
  shape: DiagonalScanShape,
  scratch: ScanScratch,
  parts: DiagonalScanParts = 'all',
): void {
  if (
    parts === 'all' &&
    shape.variant === 'single-pass' &&
    encodeSinglePassDiagonalScan(context, pass, buffers, shape, scratch.aggregates)
  ) {
    return;
  }
  const skip = buffers.running !== undefined;
  const variant = skip ? '-running' : '';
  const reduce = context.pipeline(`diagonal-scan/reduce${variant}`, () => diagonalScanReduceWgsl(skip));
  const carry = context.pipeline('diagonal-scan/carry', diagonalScanCarryWgsl);
  const apply = context.pipeline(`diagonal-scan/apply${variant}`, () => diagonalScanApplyWgsl(skip));
  const running: GPUBufferBinding[] = buffers.running ? [{ buffer: buffers.running.buffer }] : [];
  // Without x0 the carry pass never reads binding 3: bind a few bytes of x (a whole large x would exceed the
  // storage binding limit).
  const x0: GPUBufferBinding = buffers.x0
    ? { buffer: buffers.x0 }
    : { buffer: buffers.x, offset: 0, size: 16 };
  const windows = diagonalScanWindows(context, buffers, shape, scratch);
  if (parts !== 'all' && windows.length > 1) {
    throw new WebGpuInputError(
      'parts',
      "'all' for arrays bound in several windows (the windows share the prefixes' scratch)",
      `'${parts}' with ${windows.length} windows`,
    );
  }
  for (const window of windows) {
    const { values, aggregates, prefixes, groups } = window;
    if (parts !== 'apply') {
      context.dispatch(
        pass,
        reduce,
        diagonalScanParams.pack(values),
        [window.a, window.b, aggregates, ...running],
        groups,
      );
      const carryValues = {
        count: window.batchCount * shape.dim,
        chunks: values.chunks ?? 0,
        batch_base: window.batchStart,
        channels: shape.dim,
        has_initial: buffers.x0 ? 1 : 0,
      };
      context.dispatch(
        pass,
        carry,
        chunkCarryParams.pack(carryValues),
        [aggregates, prefixes, x0],
        window.batchCount * shape.dim,
      );
    }
    if (parts !== 'prefixes') {
      context.dispatch(
        pass,
        apply,
        diagonalScanParams.pack(values),
        [window.a, window.b, prefixes, window.x, ...running],
        groups,
      );
    }
  }
}

/**
 * Whether the device can run the single-pass scan with K steps per invocation and `bindings` storage buffers
 * (a workgroup of 256 invocations, its workgroup memory).
 */
function singlePassFits(context: GpuContext, steps: number, bindings: number): boolean {
  const limits = context.capabilities;
  return (
    limits.maxComputeInvocationsPerWorkgroup >= singlePassWorkgroupSize &&
    limits.maxComputeWorkgroupSizeX >= singlePassWorkgroupSize &&
    limits.maxComputeWorkgroupStorageSize >= singlePassWorkgroupBytes(steps) &&
    limits.maxStorageBuffersPerShaderStage >= bindings
  );
}

/**
 * Records the single-pass diagonal scan into `pass`: per window of whole sequences (as
 * {@link encodeDiagonalScan}), a clear of the state words in `state`, then one dispatch whose workgroups take
 * chunks from a ticket counter and chain them by decoupled look-back (kernels/single-pass-vector-scan.ts where D is
 * a multiple of 4, else kernels/single-pass-diagonal-scan.ts).
 * Dispatches of one pass are ordered for storage hazards, so windows reuse `state`. Returns false, recording
 * nothing, when the device cannot run it or `state` holds fewer than {@link singlePassStateBytes} bytes.
 */
export function encodeSinglePassDiagonalScan(
  context: GpuContext,
  pass: GPUComputePassEncoder,
  buffers: DiagonalScanBuffers,
  shape: DiagonalScanShape,
  state: GPUBuffer,
  epilogue?: SinglePassEpilogue,
): boolean {
  const { batch, length, dim } = shape;
  const skip = buffers.running !== undefined;
  const vector = singlePassVector(context, shape.dim);
  const extra = epilogue ? epilogue.windowed.length + epilogue.whole.length : 0;
  // An epilogue's bindings follow binding 6, the running words, declared only when sequences are skipped.
  if (epilogue && (!skip || !singlePassEpilogueFits(context, shape, extra, epilogue.workgroupBytes))) {
    return false;
  }
  const bindings = (skip ? 6 : 5) + extra;
  let kernel: SinglePassKernel;
  if (vector) {
    if (context.capabilities.maxStorageBuffersPerShaderStage < bindings) return false;
    kernel = vectorKernel(context, vectorScanPlan(batch, length, dim, shape.chunk), dim, skip, epilogue);
  } else {
    const plan = singlePassPlan(batch, length, dim, shape.chunk, mostSteps(context));
    if (!singlePassFits(context, plan.steps, bindings)) return false;
    kernel = scalarKernel(context, plan, skip);
  }
  if (state.size < singlePassStateBytes(context, shape)) return false;
  const perSequence = length * dim;
  const running: GPUBufferBinding[] = buffers.running ? [{ buffer: buffers.running.buffer }] : [];
  // Without x0 the kernel never reads binding 4: bind a few bytes of a (read-only there as well; x is written).
  const x0: GPUBufferBinding = buffers.x0
    ? { buffer: buffers.x0 }
    : { buffer: buffers.a, offset: 0, size: Math.min(16, buffers.a.size) };
  const limits = vector ? vectorScanSpinLimit : singlePassSpinLimit;
  const spinLimit = context.capabilities.software ? limits.software : limits.hardware;
  for (const window of singlePassWindows(context, shape)) {
    const a = context.windowBinding(buffers.a, perSequence, window);
    const b = context.windowBinding(buffers.b, perSequence, window);
    const x = context.windowBinding(buffers.x, perSequence, window);
    const published = window.batchCount * dim * kernel.chunks;
    const words = singlePassHeaderWords + 3 * published;
    const stateRange = dispatchSinglePassClear(context, pass, state, words);
    const values: SinglePassValues = {
      batch: window.batchCount,
      length,
      dim,
      chunks: kernel.chunks,
      ...windowPlacement(shape, buffers, window, { a, b, x }),
      has_initial: buffers.x0 ? 1 : 0,
      spin_limit: spinLimit,
      prefix_base: singlePassHeaderWords,
      aggregate_a_base: singlePassHeaderWords + published,
      aggregate_b_base: singlePassHeaderWords + 2 * published,
    };
    const after: GPUBufferBinding[] = [];
    for (const { buffer, offsetField } of epilogue?.windowed ?? []) {
      const binding = context.windowBinding(buffer, perSequence, window);
      values[offsetField] = binding.residual;
      after.push(binding.range);
    }
    after.push(...(epilogue?.whole ?? []));
    context.dispatch(
      pass,
      kernel.pipeline,
      kernel.pack(values),
      [a.range, b.range, x.range, x0, stateRange, ...running, ...after],
      kernel.chunks * window.batchCount * kernel.tiles,
    );
  }
  return true;
}

/**
 * Records the clear of the first `words` state words of a single-pass scan (its ticket counter and publication
 * words) into `pass`, and returns their binding for the scan that follows.
 */
export function dispatchSinglePassClear(
  context: GpuContext,
  pass: GPUComputePassEncoder,
  state: GPUBuffer,
  words: number,
): GPUBufferBinding {
  const clear = context.pipeline('single-pass-scan/clear', singlePassClearWgsl);
  const range = { buffer: state, offset: 0, size: words * 4 };
  context.dispatch(
    pass,
    clear,
    singlePassClearParams.pack({ count: words }),
    [range],
    Math.ceil(words / 256),
  );
  return range;
}

/** The scan dispatch of a single-pass scan: its pipeline, chunks, channel tiles and uniform values. */
interface SinglePassKernel {
  readonly pipeline: GPUComputePipeline;
  readonly chunks: number;
  readonly tiles: number;
  pack(values: SinglePassValues): ArrayBuffer;
}

/** The uniform values both single-pass kernels share (and an epilogue's offsets). */
interface SinglePassValues extends Record<string, number> {
  chunks: number;
}

function vectorKernel(
  context: GpuContext,
  plan: VectorScanPlan,
  dim: number,
  skip: boolean,
  epilogue?: SinglePassEpilogue,
): SinglePassKernel {
  const variant = `${skip ? '-running' : ''}${epilogue ? `-${epilogue.kernel.key}` : ''}`;
  const key = `single-pass-scan/vec4/d${dim}/k${plan.steps}${variant}`;
  return {
    pipeline: context.pipeline(key, () => vectorScanWgsl(dim, plan.steps, skip, undefined, epilogue?.kernel)),
    chunks: plan.chunks,
    tiles: 1,
    pack: (values) => (epilogue ? epilogue.pack(values) : vectorScanParams.pack(values)),
  };
}

function scalarKernel(context: GpuContext, plan: SinglePassPlan, skip: boolean): SinglePassKernel {
  const key = `single-pass-scan/k${plan.steps}${skip ? '-running' : ''}`;
  return {
    pipeline: context.pipeline(key, () => singlePassScanWgsl(plan.steps, skip)),
    chunks: plan.chunks,
    tiles: plan.tiles,
    pack: (values) =>
      singlePassScanParams.pack({
        ...values,
        width: plan.width,
        tiles: plan.tiles,
        rows: plan.rows,
        chunk: plan.chunk,
      }),
  };
}
