import type { BenchBackend } from '../cli/run-context.ts';
import { measureCopyBandwidth } from '../gpu/copy-bandwidth.ts';
import type { Row } from '../output/figure-result.ts';

/** Sequences and state size of the diagonal-scan bandwidth runs (the Fig. 2 batch; D = 8). */
const SCAN_SHAPE = { batch: 16, dim: 8 } as const;

/**
 * The WebGPU rows of the scan figures: the backend's copy bandwidth (its vec4 copy kernel, timed with
 * timestamp queries where the adapter has them), the bench's own host-timed copy kernel as a cross-check,
 * and the backend's chunked diagonal scan, forward and reverse, on resident random data — each scan as a
 * fraction of the copy bandwidth measured in the same run. Element counts are clamped so that one
 * sequence fits one storage binding.
 */
export async function measureGpuScans(
  backend: BenchBackend,
  elementCounts: number[],
  repeats: number,
): Promise<{ rows: Row[]; notes: string[] }> {
  const { gpu, webgpu } = backend;
  if (!gpu || !webgpu) return { rows: [], notes: [] };
  const rows: Row[] = [];
  const methods = new Set<string>();
  // Clamped so that each whole array fits one storage binding (the probes bind a, b and x whole).
  const bindingElements = Math.floor(gpu.limits.maxStorageBufferBindingSize / 4);
  const clamped: string[] = [];
  for (const requested of elementCounts) {
    const wanted = Math.min(requested, bindingElements);
    if (wanted < requested) clamped.push(`${requested} → ${wanted}`);
    const length = Math.max(1, Math.floor(wanted / (SCAN_SHAPE.batch * SCAN_SHAPE.dim)));
    const elements = SCAN_SHAPE.batch * length * SCAN_SHAPE.dim;
    const copy = await webgpu.copyBandwidth({ bytes: elements * 4, repetitions: repeats });
    methods.add(copy.measurement.method);
    const copyElements = copy.bytes / 4;
    const base = { device: 'webgpu', precision: 'f32', requestedElements: requested };
    rows.push({
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
    rows.push({
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
      rows.push({
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
      });
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
      `WebGPU (${gpu.adapter}): medians of ${repeats} runs timed by ${[...methods].join(' / ')}; copy = bytes read + written, scan = 12 bytes per element (a, b read, x written); scans batch ${SCAN_SHAPE.batch}, D = ${SCAN_SHAPE.dim}, resident random data`,
    ],
  };
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
