import type { BenchBackend } from '../cli/run-context.ts';
import { measureCopyBandwidth } from '../gpu/copy-bandwidth.ts';
import type { Row } from '../output/figure-result.ts';

/** The backend's buffer pool rounds every size up to a multiple of this many bytes. */
const POOL_GRANULARITY = 256;

/** Sequences and state size of the diagonal-scan bandwidth runs (the Fig. 2 batch; D = 8). */
const SCAN_SHAPE = { batch: 16, dim: 8 } as const;

/**
 * The WebGPU rows of the scan figures: the backend's copy bandwidth (its vec4 copy kernel, timed with
 * timestamp queries where the adapter has them), the bench's own host-timed copy kernel as a cross-check,
 * and the backend's chunked diagonal scan, forward and reverse, on resident random data — each scan as a
 * fraction of the copy bandwidth measured in the same run. Each scan row is the three-pass scan (`variant`);
 * the single-pass scan's figures on the same data are its `singlePass…` fields. Element counts are clamped so that every array
 * (as the backend's pool sizes it, rounded up to 256 bytes) fits one storage binding; a size whose kernels
 * fail is noted and skipped, and `onRow` sees each row as it is measured.
 *
 * @example
 * ```ts
 * const { rows, notes } = await measureGpuScans(backend, [1e7, 1e8], 5, (row) => console.log(row.kernel));
 * ```
 */
export async function measureGpuScans(
  backend: BenchBackend,
  elementCounts: number[],
  repeats: number,
  onRow: (row: Row) => void = () => {},
): Promise<{ rows: Row[]; notes: string[] }> {
  const { gpu, webgpu } = backend;
  if (!gpu || !webgpu) return { rows: [], notes: [] };
  const rows: Row[] = [];
  const methods = new Set<string>();
  // Clamped so that each whole array fits one storage binding (the probes bind a, b and x whole), after the
  // pool rounds its size up to a multiple of 256 bytes.
  const bindingElements =
    Math.floor(gpu.limits.maxStorageBufferBindingSize / POOL_GRANULARITY) * (POOL_GRANULARITY / 4);
  const clamped: string[] = [];
  const failed: string[] = [];
  const push = (row: Row) => {
    rows.push(row);
    onRow(row);
  };
  const measureSize = async (requested: number): Promise<void> => {
    const wanted = Math.min(requested, bindingElements);
    if (wanted < requested) clamped.push(`${requested} → ${wanted}`);
    const length = Math.max(1, Math.floor(wanted / (SCAN_SHAPE.batch * SCAN_SHAPE.dim)));
    const elements = SCAN_SHAPE.batch * length * SCAN_SHAPE.dim;
    const copy = await webgpu.copyBandwidth({ bytes: elements * 4, repetitions: repeats });
    methods.add(copy.measurement.method);
    const copyElements = copy.bytes / 4;
    const base = { device: 'webgpu', precision: 'f32', requestedElements: requested };
    push({
      ...base,
      kernel: 'copy (backend)',
      length: copyElements,
      dim: 1,
      elements: copyElements,
      seconds: copy.measurement.medianMs / 1000,
      elementsPerSecond: copyElements / (copy.measurement.medianMs / 1000),
      bytesPerSecond: copy.bytesPerSecond,
      timing: copy.measurement.method,
    });
    const own = await measureCopyBandwidth(gpu.device, elements, repeats);
    push({
      ...base,
      kernel: 'copy (bench kernel, host-timed)',
      length: own.elements,
      dim: 1,
      elements: own.elements,
      seconds: own.seconds,
      elementsPerSecond: own.elements / own.seconds,
      bytesPerSecond: own.bytesPerSecond,
      timing: 'host',
    });
    for (const reverse of [false, true]) {
      const scan = await webgpu.diagonalScanBandwidth({
        ...SCAN_SHAPE,
        length,
        reverse,
        repetitions: repeats,
      });
      methods.add(scan.measurement.method);
      const seconds = scan.measurement.medianMs / 1000;
      // The single-pass (decoupled look-back) scan on the same data, as fields of the three-pass row.
      const single = scan.variants.find((row) => row.variant === 'single-pass');
      push({
        ...base,
        kernel: reverse ? 'diagonal scan (reverse)' : 'diagonal scan',
        batch: SCAN_SHAPE.batch,
        length,
        dim: SCAN_SHAPE.dim,
        elements: scan.elements,
        seconds,
        elementsPerSecond: scan.elements / seconds,
        bytesPerSecond: scan.bytesPerSecond,
        fractionOfCopy: scan.bytesPerSecond / copy.bytesPerSecond,
        timing: scan.measurement.method,
        variant: scan.variant,
        ...(single
          ? {
              singlePassSeconds: single.measurement.medianMs / 1000,
              singlePassBytesPerSecond: single.bytesPerSecond,
              singlePassFractionOfCopy: single.bytesPerSecond / copy.bytesPerSecond,
            }
          : {}),
      });
    }
  };
  for (const requested of elementCounts) {
    try {
      await measureSize(requested);
    } catch (error) {
      failed.push(`${requested} elements: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const suspectNotes = flagSuspectBandwidth(rows);
  return {
    rows,
    notes: [
      ...(clamped.length > 0
        ? [`element counts clamped to one storage binding (${bindingElements} f32): ${clamped.join(', ')}`]
        : []),
      ...suspectNotes,
      ...failed.map((failure) => `bandwidth run failed (no figure) at ${failure}`),
      `WebGPU (${gpu.adapter}): medians of ${repeats} runs timed by ${[...methods].join(' / ')}; copy = bytes read + written, scan = 12 bytes per element (a, b read, x written); scans batch ${SCAN_SHAPE.batch}, D = ${SCAN_SHAPE.dim}, resident random data`,
    ],
  };
}

/**
 * Splits bandwidth rows into results and rejected figures: a row is rejected when its time is not a positive
 * finite number or its bandwidth exceeds twice the bench's own copy kernel in the same run (the kernel cannot
 * have run, e.g. a binding over the device limit; see {@link flagSuspectBandwidth}). Each scan's fraction of
 * copy is recomputed against an accepted copy of the same requested size (the backend's, else the bench's),
 * so no rejected figure enters a result.
 *
 * @example
 * ```ts
 * const { accepted, rejected, notes } = screenBandwidth(rows);
 * ```
 */
export function screenBandwidth(rows: readonly Row[]): { accepted: Row[]; rejected: Row[]; notes: string[] } {
  const copies = rows.map((row) => ({ ...row }));
  flagSuspectBandwidth(copies);
  for (const row of copies) {
    const seconds = Number(row.seconds);
    if (!Number.isFinite(seconds) || seconds <= 0 || !Number.isFinite(Number(row.bytesPerSecond))) {
      row.suspect = true;
    }
  }
  const accepted = copies.filter((row) => !row.suspect);
  const rejected = copies.filter((row) => row.suspect);
  for (const row of accepted) {
    if (!String(row.kernel).startsWith('diagonal scan')) continue;
    const sameSize = accepted.filter(
      (other) => other.requestedElements === row.requestedElements && String(other.kernel).startsWith('copy'),
    );
    const copy =
      sameSize.find((other) => other.kernel === 'copy (backend)') ??
      sameSize.find((other) => String(other.kernel).startsWith('copy (bench'));
    row.fractionOfCopy = copy ? Number(row.bytesPerSecond) / Number(copy.bytesPerSecond) : null;
    if (row.singlePassBytesPerSecond !== undefined) {
      row.singlePassFractionOfCopy = copy
        ? Number(row.singlePassBytesPerSecond) / Number(copy.bytesPerSecond)
        : null;
    }
    row.copyKernel = copy ? String(copy.kernel) : null;
  }
  const notes =
    rejected.length === 0
      ? []
      : [
          `rejected, not results (the kernel cannot have run as timed: over twice the bench's own copy bandwidth, or no valid time): ${rejected.map((row) => `${row.kernel} at ${row.elements} elements`).join('; ')}`,
        ];
  return { accepted, rejected, notes };
}

/**
 * Marks bandwidth rows above twice the bench's own copy bandwidth in the same run as `suspect` (such a
 * figure means the kernel did not run, e.g. a binding over the device limit) and returns a note for them.
 */
export function flagSuspectBandwidth(rows: Row[]): string[] {
  const copies = rows
    .filter((row) => String(row.kernel).startsWith('copy (bench'))
    .map((row) => Number(row.bytesPerSecond));
  if (copies.length === 0) return [];
  const bound = 2 * Math.max(...copies);
  const suspect = rows.filter((row) => Number(row.bytesPerSecond) > bound);
  for (const row of suspect) row.suspect = true;
  return suspect.length === 0
    ? []
    : [
        `suspect (over twice the bench's own copy bandwidth: the kernel cannot have run): ${suspect.map((row) => `${row.kernel} at ${row.elements} elements`).join('; ')}`,
      ];
}
