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
import type { LinearizeKernel } from './kernel-choice.ts';
import { partialWords } from './session-layout.ts';

/**
 * How the tiled linearisation splits its work. A workgroup of W = `webGpuDefaults.workgroupSize`
 * invocations owns one block of W time steps of one sequence (the blocks of the per-element kernel, so the
 * merit partials keep their layout) and walks it in sub-tiles of `tileRows` rows (b, t). Per sub-tile, the
 * gate pre-activations [tileRows, I + D] × [I + D, G·D] are accumulated over chunks of `chunk` columns of
 * [u_t, s_{t−1}], the rows' chunk and the weights' chunk staged in workgroup memory; invocation
 * (row group g, unit block c) owns rows g, g + G, … (`rowsPerInvocation`) × units c, c + C, …
 * (`unitsPerInvocation`) in registers, so every staged weight is used `tileRows` times.
 */
export interface GemmTilePlan {
  /** U: output units per invocation (min(4, D)). */
  readonly unitsPerInvocation: number;
  /** C = ceil(D / U): invocations across the output units. */
  readonly unitBlocks: number;
  /** G: invocations across the rows (the largest power of two ≤ W / C). */
  readonly rowGroups: number;
  /** R: rows per invocation (min(4, W / G)). */
  readonly rowsPerInvocation: number;
  /** G·R, a divisor of W: rows (b, t) per sub-tile. */
  readonly tileRows: number;
  /** K columns of [u_t, s_{t−1}] per staged chunk (the largest power of two ≤ 32 that fits the limit). */
  readonly chunk: number;
  /** G: gates (weight columns per output unit and input column). */
  readonly gates: number;
  /** C·U: the staged weight tile's width per gate. */
  readonly paddedUnits: number;
  /** Workgroup bytes the kernel declares (staged rows, weights and the merit reduction). */
  readonly workgroupBytes: number;
}

/** Gates of each GEMM cell: the GRU's r, z, n; the Elman cell's one. */
export const gemmGates: Readonly<Record<GemmCellKind, number>> = { gru: 3, elman: 1 };

/** Units per invocation, rows per invocation and staged columns at most (register and storage budget). */
const most = { units: 4, rows: 4, chunk: 32 } as const;

/**
 * The tile plan of a gated cell with state size D, input size I and G gates on a device with `storageBytes`
 * of workgroup memory, or undefined when D is too large for one workgroup's unit blocks (D > 4·W) — the per-element
 * kernel then runs.
 *
 * @example
 * ```ts
 * gemmTilePlan(64, 64, 3, 16384); // { unitBlocks: 16, rowGroups: 4, rowsPerInvocation: 4, tileRows: 16, chunk: 16, … }
 * ```
 */
export function gemmTilePlan(
  D: number,
  I: number,
  gates: number,
  storageBytes: number,
): GemmTilePlan | undefined {
  const W = webGpuDefaults.workgroupSize;
  const unitsPerInvocation = Math.min(most.units, D);
  const unitBlocks = Math.ceil(D / unitsPerInvocation);
  if (unitBlocks > W) return undefined;
  let rowGroups = 1;
  while (rowGroups * 2 * unitBlocks <= W) rowGroups *= 2;
  const rowsPerInvocation = Math.min(most.rows, W / rowGroups);
  const tileRows = rowGroups * rowsPerInvocation;
  const paddedUnits = unitBlocks * unitsPerInvocation;
  const reduction = W * partialWords * 4;
  const columns = Math.max(1, I + D);
  for (let chunk = most.chunk; chunk >= 1; chunk /= 2) {
    if (chunk > 1 && chunk / 2 >= columns) continue;
    const workgroupBytes = (tileRows * chunk + chunk * gates * paddedUnits) * 4 + reduction;
    if (workgroupBytes <= storageBytes) {
      return {
        unitsPerInvocation,
        unitBlocks,
        rowGroups,
        rowsPerInvocation,
        tileRows,
        chunk,
        gates,
        paddedUnits,
        workgroupBytes,
      };
    }
  }
  return undefined;
}

/**
 * The tile plan `linearize(mode)` runs with, or undefined when it runs the per-element kernel: the tiled
 * kernel is chosen, the cell is a GEMM cell (GRU, Elman), the mode is 'none' or 'diagonal' and a plan fits `storageBytes`.
 *
 * @example
 * ```ts
 * tiledLinearizePlan(session.cell, 'dense', 'tiled', 49152); // undefined: dense Jacobians stay per-element
 * ```
 */
export function tiledLinearizePlan(
  cell: Pick<CellShape, 'gemm' | 'stateSize' | 'inputSize'>,
  mode: LinearizationMode,
  kernel: LinearizeKernel,
  storageBytes: number,
): GemmTilePlan | undefined {
  if (kernel !== 'tiled' || !cell.gemm || mode === 'dense') return undefined;
  return gemmTilePlan(cell.stateSize, cell.inputSize, gemmGates[cell.gemm], storageBytes);
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
