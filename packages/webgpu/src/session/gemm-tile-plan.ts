/**
 * Tile sizes of the GEMM-core kernels of the gated cells (GRU: 3 gates, Elman: 1) — the tiled linearisation
 * and the row-parallel sequential kernel — chosen from the state size D, the input size I, the gates G and
 * the device's workgroup storage limit.
 *
 * @module
 */

import type { LinearizationMode } from '@elk/solvers';
import { webGpuDefaults } from '../defaults.ts';
import type { CellShape, GemmCellKind } from './cell-kernels.ts';
import type { InputProjections, LinearizeKernel, LinearizeRows } from './kernel-choice.ts';
import { partialWords } from './session-layout.ts';

/**
 * How the tiled linearisation splits its work. A workgroup owns one block of W = `webGpuDefaults.workgroupSize`
 * time steps of one sequence (the blocks of the per-element kernel, so the merit partials keep their layout):
 * it stages the block's rows [u_t, s_{t−1}] (W × (I + D) values, a padded row stride) in workgroup memory
 * once, then invocation (row group g, unit quad q) accumulates the gate pre-activations of rows
 * g, g + W/R, … (R = `rowsPerInvocation` rows) × units 4q … 4q + 3 in registers, reading the weights as
 * vec4 from a transposed copy [I + D, G, Q] (coalesced across q, shared by the row groups through the
 * cache). Every weight read is used 4·R times, every staged value 4·G times.
 */
export interface GemmTilePlan {
  /** Q = ceil(D / 4): invocations across the output units (four units each). */
  readonly unitQuads: number;
  /** R: rows per invocation (a power of two dividing W). */
  readonly rowsPerInvocation: number;
  /** W / R: invocations across the rows. */
  readonly rowGroups: number;
  /** Invocations per workgroup: Q·W/R rounded up to a power of two (the spare ones stage and reduce only). */
  readonly workgroupSize: number;
  /** Words between staged rows read as scalars: I + D, made odd so that row groups read distinct banks. */
  readonly rowStride: number;
  /**
   * Words between staged rows read as vec4s, where only the state is staged (I = 0) and D is a multiple of 4:
   * D + 4, so that rows start on 16 bytes and consecutive rows start in different banks (the tiled
   * linearisation's tile); else undefined.
   */
  readonly vectorRowStride: number | undefined;
  /** G: gates (weight columns per output unit and input column). */
  readonly gates: number;
  /** Workgroup bytes the tiled linearisation declares (staged rows and the merit reduction). */
  readonly workgroupBytes: number;
}

/** Gates of each GEMM cell: the GRU's r, z, n; the Elman cell's one. */
export const gemmGates: Readonly<Record<GemmCellKind, number>> = { gru: 3, elman: 1 };

/**
 * Rows per invocation: from 1 (Q ≤ 2, D ≤ 8), 2, or 4 where only the state is staged (I = 0: the input
 * projections precomputed) and Q ≥ 8 (D ≥ 29), up to 8 (registers: 4·R vec4 sums) until the workgroup fits the
 * device. More rows feed more multiply-adds from each weight load, fewer keep more invocations in flight.
 * Measured on the H200 (flax GRU, B = 16, the kernel with projected inputs, pass timestamps, three rounds each): R = 4 took 0.83 / 2.75 ms against 0.94 / 3.13 with R = 2 and 0.93 / 3.14
 * with R = 8 at (D, T) = (64, 3·10⁴), (64, 10⁵); 0.22–0.25 ms against 0.23–0.26 (R = 2) and 0.26–0.30 (R = 8)
 * at (32, 3·10⁴); at (16, 3·10⁴) R = 2 took 79–92 µs against 98 (R = 4) and 111–118 (R = 1). (Before the
 * projections, with the inputs staged, R = 2 measured faster than 4 at D = 32 and 64, and R = 1 than R = 2
 * at D = 8.)
 */
const rowsPerInvocation = { fewQuads: 2, manyQuads: 8, fewRows: 2, manyRows: 4, most: 8 } as const;

const nextPowerOfTwo = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/**
 * The tile plan of a gated cell with state size D, input size I and G gates on a device with `storageBytes`
 * of workgroup memory and `invocations` per workgroup at most, or undefined when no plan fits (then the
 * per-element kernel runs): D ≤ 128 on a device with 256 invocations per workgroup, and the staged rows
 * (W·(I + D + 1) words, W·(D + 4) for the state alone as vec4s) within the storage. `rows` forces R (a power of two ≤ W; for measuring variants).
 *
 * @example
 * ```ts
 * gemmTilePlan(64, 0, 3, 49152, 1024); // { unitQuads: 16, rowsPerInvocation: 4, rowGroups: 16, workgroupSize: 256, … }
 * gemmTilePlan(64, 64, 3, 49152, 1024); // { unitQuads: 16, rowsPerInvocation: 2, rowGroups: 32, workgroupSize: 512, … }
 * gemmTilePlan(64, 64, 3, 49152, 256); // { unitQuads: 16, rowsPerInvocation: 4, rowGroups: 16, workgroupSize: 256, … }
 * ```
 */
export function gemmTilePlan(
  D: number,
  I: number,
  gates: number,
  storageBytes: number,
  invocations = 256,
  rows?: number,
): GemmTilePlan | undefined {
  const W = webGpuDefaults.workgroupSize;
  const unitQuads = Math.ceil(D / 4);
  const columns = Math.max(1, I + D);
  const rowStride = columns % 2 === 1 ? columns : columns + 1;
  const vectorRowStride = I === 0 && D % 4 === 0 ? D + 4 : undefined;
  if (rows !== undefined && !(Number.isInteger(Math.log2(rows)) && rows >= 1 && rows <= W)) return undefined;
  const preferred =
    unitQuads <= rowsPerInvocation.fewQuads
      ? 1
      : unitQuads < rowsPerInvocation.manyQuads || I > 0
        ? rowsPerInvocation.fewRows
        : rowsPerInvocation.manyRows;
  const first = rows ?? Math.min(preferred, nextPowerOfTwo(unitQuads), W);
  const last = rows ?? Math.min(rowsPerInvocation.most, W);
  for (let R = first; R <= last; R *= 2) {
    const rowGroups = W / R;
    const workgroupSize = Math.max(W, nextPowerOfTwo(unitQuads * rowGroups));
    const workgroupBytes = (W * (vectorRowStride ?? rowStride) + workgroupSize * partialWords) * 4;
    if (workgroupSize > invocations || workgroupBytes > storageBytes) continue;
    return {
      unitQuads,
      rowsPerInvocation: R,
      rowGroups,
      workgroupSize,
      rowStride,
      vectorRowStride,
      gates,
      workgroupBytes,
    };
  }
  return undefined;
}

/** The limits of a device that decide whether (and how) the tiled linearisation runs. */
export interface TiledLinearizeLimits {
  /** `maxComputeWorkgroupStorageSize`, bytes. */
  readonly storageBytes: number;
  /** Invocations per workgroup: the smaller of `maxComputeInvocationsPerWorkgroup` and `maxComputeWorkgroupSizeX`. */
  readonly invocations: number;
  /** `maxStorageBuffersPerShaderStage`: the tiled kernel binds 8 ('none') or 9 ('diagonal'). */
  readonly storageBuffers: number;
}

/** Storage buffers the tiled kernel binds: the per-element kernel's (7, + the Jacobian in 'diagonal') + the weights. */
export function tiledLinearizeStorageBuffers(mode: 'none' | 'diagonal'): number {
  return mode === 'diagonal' ? 9 : 8;
}

/**
 * The tile plan `linearize(mode)` runs with, or undefined when it runs the per-element kernel: the tiled
 * kernel is chosen, the cell is a GEMM cell (GRU, Elman), the mode is 'none' or 'diagonal', the device lets
 * a shader bind its storage buffers (WebGPU's default limit, 8, is one short of the diagonal mode's 9) and a
 * plan fits its workgroup limits.
 *
 * @example
 * ```ts
 * tiledLinearizePlan(session.cell, 'dense', 'tiled', { storageBytes: 49152, invocations: 256, storageBuffers: 10 }); // undefined
 * ```
 */
export function tiledLinearizePlan(
  cell: Pick<CellShape, 'gemm' | 'stateSize' | 'inputSize'>,
  mode: LinearizationMode,
  kernel: LinearizeKernel,
  limits: TiledLinearizeLimits,
  rows: LinearizeRows = 'auto',
): GemmTilePlan | undefined {
  if (kernel !== 'tiled' || !cell.gemm || mode === 'dense') return undefined;
  if (limits.storageBuffers < tiledLinearizeStorageBuffers(mode)) return undefined;
  return chosenTilePlan(cell.stateSize, cell.inputSize, gemmGates[cell.gemm], limits, rows);
}

/** The plan with R = `rows` where its workgroup fits the device, else the automatic one. */
function chosenTilePlan(
  D: number,
  I: number,
  gates: number,
  limits: Pick<TiledLinearizeLimits, 'storageBytes' | 'invocations'>,
  rows: LinearizeRows,
): GemmTilePlan | undefined {
  const forced =
    rows === 'auto' ? undefined : gemmTilePlan(D, I, gates, limits.storageBytes, limits.invocations, rows);
  return forced ?? gemmTilePlan(D, I, gates, limits.storageBytes, limits.invocations);
}

/** The {@link TiledLinearizeLimits} of a device's capabilities. */
export function tiledLinearizeLimits(capabilities: {
  readonly maxComputeWorkgroupStorageSize: number;
  readonly maxComputeInvocationsPerWorkgroup: number;
  readonly maxComputeWorkgroupSizeX: number;
  readonly maxStorageBuffersPerShaderStage: number;
}): TiledLinearizeLimits {
  return {
    storageBytes: capabilities.maxComputeWorkgroupStorageSize,
    invocations: Math.min(
      capabilities.maxComputeInvocationsPerWorkgroup,
      capabilities.maxComputeWorkgroupSizeX,
    ),
    storageBuffers: capabilities.maxStorageBuffersPerShaderStage,
  };
}

/** Invocations per workgroup of the row-parallel sequential kernel (one workgroup per sequence). */
export const rowParallelWorkgroupSize = 64;

/**
 * Whether the row-parallel sequential kernel keeps the recurrent weights W_h [G, D, D] in workgroup memory
 * (with the state and the input step) for all T steps: when they fit in `storageBytes`. Otherwise each step
 * reads them from `cell_params` through the cache.
 *
 * @example
 * ```ts
 * stagesRecurrentWeights(32, 32, 3, 49152); // true: 12 KiB of weights
 * ```
 */
export function stagesRecurrentWeights(D: number, I: number, gates: number, storageBytes: number): boolean {
  return (gates * D * D + D + Math.max(1, I)) * 4 <= storageBytes;
}

/**
 * The plans of a session whose tiled linearisation reads precomputed input projections (x_t W_i per gate;
 * see `inputProjectionWgsl`): the linearisation's (s_{t−1} staged alone) and the projection kernel's, and the
 * projection words per time step.
 */
export interface ProjectionPlans {
  readonly linearize: GemmTilePlan;
  readonly projection: GemmTilePlan;
  /** G·Q·4: f32 words of one step's projections. */
  readonly wordsPerStep: number;
}

/**
 * Whether (and how) a session precomputes its input projections: the tiled linearisation applies (a GEMM
 * cell on a device that lets it run in the diagonal mode), I > 0, the choice asks for it (`'auto'`: D ≥
 * {@link webGpuDefaults}.precomputedProjectionsFromStateSize), the projections of all B·T steps fit one
 * buffer and one sequence's fit a storage binding. Undefined otherwise (the inputs are staged every iteration).
 *
 * @example
 * ```ts
 * inputProjectionPlans({ gemm: 'gru', stateSize: 64, inputSize: 64 }, { linearize: 'tiled', inputProjections: 'auto' }, limits, { batch: 16, length: 1e5, maxBufferSize: 2 ** 34, sequenceBindingBytes: 2 ** 31 })?.wordsPerStep; // 192
 * ```
 */
export function inputProjectionPlans(
  cell: Pick<CellShape, 'gemm' | 'stateSize' | 'inputSize'>,
  kernels: {
    readonly linearize: LinearizeKernel;
    readonly inputProjections: InputProjections;
    readonly linearizeRows?: LinearizeRows;
  },
  limits: TiledLinearizeLimits,
  size: {
    readonly batch: number;
    readonly length: number;
    readonly maxBufferSize: number;
    /** Bytes one sequence's array may take in a storage binding (the session's windows). */
    readonly sequenceBindingBytes: number;
  },
): ProjectionPlans | undefined {
  const D = cell.stateSize;
  const I = cell.inputSize;
  if (!cell.gemm || I === 0 || kernels.inputProjections === 'recomputed') return undefined;
  if (kernels.inputProjections === 'auto' && D < webGpuDefaults.precomputedProjectionsFromStateSize) {
    return undefined;
  }
  if (!tiledLinearizePlan(cell, 'diagonal', kernels.linearize, limits)) return undefined;
  const gates = gemmGates[cell.gemm];
  const linearize = chosenTilePlan(D, 0, gates, limits, kernels.linearizeRows ?? 'auto');
  const projection = gemmTilePlan(D, I, gates, limits.storageBytes, limits.invocations);
  if (!linearize || !projection) return undefined;
  const wordsPerStep = gates * linearize.unitQuads * 4;
  const sequenceBytes = size.length * wordsPerStep * 4;
  if (size.batch * sequenceBytes > size.maxBufferSize || sequenceBytes > size.sequenceBindingBytes) {
    return undefined;
  }
  return { linearize, projection, wordsPerStep };
}
