/**
 * What the encoders of the primitives need from a session (implemented by the WebGPU session).
 *
 * @module
 */

import type { ScanScratch } from '../affine-diagonal-scan.ts';
import type { GpuContext, SequenceWindow } from '../gpu-context.ts';
import type { CellShape } from './cell-kernels.ts';
import type { ProjectionPlans } from './gemm-tile-plan.ts';
import type { KernelChoice } from './kernel-choice.ts';
import type { SessionBuffers } from './session-buffers.ts';
import type { SessionParamValues } from './session-layout.ts';

/** What the encoders of the solves need from a session. */
export interface SessionView {
  readonly context: GpuContext;
  readonly cell: CellShape;
  /** The kernel variants this session uses. */
  readonly kernels: KernelChoice;
  /** The plans of the precomputed input projections, when this session uses them (see gemm-tile-plan.ts). */
  readonly projections: ProjectionPlans | undefined;
  readonly batch: number;
  readonly length: number;
  readonly stateSize: number;
  readonly buffers: SessionBuffers;
  /**
   * The first-use work this session has recorded (names the encoders add, e.g. the tiled kernels' transposed
   * weights): a replayed recording adds the names its recording added.
   */
  readonly firstUse: Set<string>;
  readonly iterate: GPUBuffer;
  readonly candidate: GPUBuffer;
  readonly offset: GPUBuffer;
  readonly status: GPUBuffer;
  readonly inputs: GPUBuffer;
  readonly initialState: GPUBuffer;
  readonly cellParameters: GPUBuffer;
  /** Per-sequence, per-block (or per-chunk) reduction partials. */
  readonly partials: GPUBuffer;
  /** Blocks of the element kernels per sequence (ceil(T / workgroup size)). */
  readonly blocks: number;
  /** H, history entries per sequence. */
  readonly historyCapacity: number;
  readonly history: GPUBuffer;
  /** Exchanges the iterate and candidate buffers (the fused iteration writes s^(i+1) into the other one). */
  swapStates(): void;
  /** The Jacobian array of `mode`, [B, T, D] or [B, T, D, D], allocated on first use. */
  jacobianBuffer(mode: 'diagonal' | 'dense'): GPUBuffer;
  /** The chunk scratch of the session's diagonal scans. */
  scanScratch(): ScanScratch;
  /** Windows of whole sequences for arrays of `elementsPerStep` f32 per time step (D, or D² when dense). */
  windows(elementsPerStep: number): SequenceWindow[];
  /** The common uniform values of a window (sizes, offsets of the [B, T, …] arrays). */
  windowValues(window: SequenceWindow, elementsPerStep: number): SessionParamValues;
  /** Records into a compute pass of the pending commands; `label` names it for pass timing. */
  pass(record: (pass: GPUComputePassEncoder) => void, label?: string): void;
  /** The pipeline of a kernel of this session's cell (cached per device, cell, sizes and specialisation). */
  cellPipeline(kind: string, source: () => string): GPUComputePipeline;
  /** One dispatch of `values.count` workgroups, in its own pass. */
  dispatchElements(
    pipeline: GPUComputePipeline,
    values: SessionParamValues,
    bindings: GPUBufferBinding[],
  ): void;
  /** One dispatch of a per-sequence kernel over every sequence (one workgroup each). */
  finishSequences(
    pipeline: GPUComputePipeline,
    bindings: GPUBufferBinding[],
    values?: SessionParamValues,
  ): void;
  /** The binding of one window of a [B, T, elementsPerStep] array. */
  range(buffer: GPUBuffer, elementsPerStep: number, window: SequenceWindow): GPUBufferBinding;
}
