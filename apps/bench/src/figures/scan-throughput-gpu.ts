import type { BenchBackend } from '../cli/run-context.ts';
import { measureCopyBandwidth } from '../gpu/copy-bandwidth.ts';
import { measureSessionDiagonalScan, measureStandaloneDiagonalScan } from '../gpu/diagonal-scan-bandwidth.ts';
import type { Row } from '../output/figure-result.ts';

/**
 * The WebGPU rows of the scan figure: copy bandwidth and the backend's diagonal scan (forward and
 * reverse) at each element count, f32, timed in the same run.
 */
export async function measureGpuScans(
  backend: BenchBackend,
  elementCounts: number[],
  repeats: number,
): Promise<{ rows: Row[]; notes: string[] }> {
  const gpu = backend.gpu;
  if (!gpu) return { rows: [], notes: [] };
  const rows: Row[] = [];
  const failures = new Set<string>();
  for (const elements of elementCounts) {
    const copy = await measureCopyBandwidth(gpu.device, elements, repeats);
    rows.push({
      device: 'webgpu',
      kernel: 'copy',
      precision: 'f32',
      length: copy.elements,
      dim: 1,
      elements: copy.elements,
      seconds: copy.seconds,
      elementsPerSecond: copy.elements / copy.seconds,
      bytesPerSecond: copy.bytesPerSecond,
    });
    const attempt = async <T>(label: string, measure: () => Promise<T>): Promise<T | null> => {
      try {
        return await measure();
      } catch (error) {
        failures.add(`${label}: ${error instanceof Error ? error.message : String(error)}`);
        return null;
      }
    };
    const scans = [
      await attempt('resident scan', () => measureSessionDiagonalScan(backend, copy.elements, repeats)),
      await attempt('standalone scan', () =>
        measureStandaloneDiagonalScan(backend, copy.elements, false, repeats),
      ),
      await attempt('standalone reverse scan', () =>
        measureStandaloneDiagonalScan(backend, copy.elements, true, repeats),
      ),
    ];
    scans.forEach((scan, index) => {
      if (!scan) return;
      rows.push({
        device: 'webgpu',
        kernel: `diagonal scan${index === 2 ? ' (reverse)' : ''}, ${scan.variant}`,
        precision: 'f32',
        length: scan.length,
        dim: scan.dim,
        elements: scan.elements,
        seconds: scan.seconds,
        elementsPerSecond: scan.elements / scan.seconds,
        bytesPerSecond: scan.bytesPerSecond,
        fractionOfCopy: scan.bytesPerSecond / copy.bytesPerSecond,
      });
    });
  }
  return {
    rows,
    notes: [
      ...[...failures].map((failure) => `not measured: ${failure}`),
      `WebGPU (${gpu.adapter}): host-timed batches of runs in flight (submit → completion), medians; scan bytes = a, b read + x written (12 bytes per element)`,
      "the resident scan is the session primitive solveAffine('diagonal') (forward); the reverse scan is public only as the standalone scan, which includes upload and read-back",
    ],
  };
}
