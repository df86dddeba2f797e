/**
 * The generic GPU scan: `@elk/scan`'s `associativeScan` for user operators that come with a WGSL twin.
 *
 * @module
 */

import type { ScanOperator } from '@elk/scan';
import { chunkPlan } from './chunk-plan.ts';
import { webGpuDefaults } from './defaults.ts';
import { WebGpuInputError } from './errors.ts';
import { storageUsage } from './gpu-constants.ts';
import type { GpuContext } from './gpu-context.ts';
import { checkPositiveInteger } from './input-checks.ts';
import { chunkCarryParams } from './kernels/chunk-carry-scan.ts';
import {
  genericScanApplyWgsl,
  genericScanCarryWgsl,
  genericScanParams,
  genericScanReduceWgsl,
} from './kernels/generic-scan.ts';
import { readBytes, uploadArray } from './transfer.ts';

/** Options of {@link WebGpuBackend.scan}. */
export interface GpuScanOptions {
  /** Independent sequences B (default 1). */
  batch?: number;
  /** Elements per sequence T. */
  length: number;
  /**
   * 32-bit words per element as the WGSL element type is laid out in a storage array (its array stride:
   * a struct of n f32/u32 fields is n words).
   */
  elementWords: number;
  /** Scan from the end (the element nearer the end is the `earlier` argument of combine). */
  reverse?: boolean;
  /** Chunk length L (default: chosen from the sizes). */
  chunk?: number;
}

/**
 * Inclusive scan of `elements` (B × T elements of `elementWords` words each, packed as WGSL lays them out)
 * with `operator`'s WGSL twin; returns the prefixes in the same layout (as the words' type of `elements`).
 */
export async function scanOnGpu(
  context: GpuContext,
  operator: Pick<ScanOperator<unknown>, 'name' | 'wgsl'>,
  elements: Float32Array | Uint32Array,
  options: GpuScanOptions,
): Promise<Float32Array | Uint32Array> {
  context.assertAlive();
  const batch = checkPositiveInteger('batch', options.batch ?? 1);
  const length = checkPositiveInteger('length', options.length);
  const words = checkPositiveInteger('elementWords', options.elementWords);
  if (!(elements instanceof Float32Array || elements instanceof Uint32Array)) {
    throw new WebGpuInputError('elements', 'a Float32Array or Uint32Array', typeof elements);
  }
  if (elements.length !== batch * length * words) {
    throw new WebGpuInputError(
      'elements',
      `length ${batch * length * words} (batch × length × elementWords)`,
      `length ${elements.length}`,
    );
  }
  context.sequenceWindows(1, [elements.byteLength], 'elements');
  const { chunk, chunks } = chunkPlan(length, batch, options.chunk);
  const key = `${operator.name}/${operator.wgsl.combine.name}`;
  const reduce = context.pipeline(`generic-scan/reduce/${key}`, () => genericScanReduceWgsl(operator));
  const carry = context.pipeline(`generic-scan/carry/${key}`, () => genericScanCarryWgsl(operator));
  const apply = context.pipeline(`generic-scan/apply/${key}`, () => genericScanApplyWgsl(operator));
  const input = uploadArray(context, elements, 'elements');
  const output = context.pool.acquire(elements.byteLength, storageUsage, 'scan-output');
  const scratchBytes = batch * chunks * words * 4;
  const aggregates = context.pool.acquire(scratchBytes, storageUsage, 'scan-aggregates');
  const prefixes = context.pool.acquire(scratchBytes, storageUsage, 'scan-prefixes');
  try {
    const count = batch * chunks;
    const values = { batch, length, chunk, chunks, count, reverse: options.reverse ? 1 : 0 };
    const groups = Math.ceil(count / webGpuDefaults.workgroupSize);
    const encoder = context.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    context.dispatch(
      pass,
      reduce,
      genericScanParams.pack(values),
      [{ buffer: input }, { buffer: aggregates }],
      groups,
    );
    const carryValues = { count: batch, chunks, batch_base: 0, channels: 1, has_initial: 0 };
    context.dispatch(
      pass,
      carry,
      chunkCarryParams.pack(carryValues),
      [{ buffer: aggregates }, { buffer: prefixes }],
      batch,
    );
    context.dispatch(
      pass,
      apply,
      genericScanParams.pack(values),
      [{ buffer: input }, { buffer: prefixes }, { buffer: output }],
      groups,
    );
    pass.end();
    context.device.queue.submit([encoder.finish()]);
    const bytes = await readBytes(context, output, elements.byteLength);
    return elements instanceof Float32Array ? new Float32Array(bytes) : new Uint32Array(bytes);
  } finally {
    for (const buffer of [input, output, aggregates, prefixes]) context.pool.release(buffer);
  }
}
