import { affineDiagonalOperator, associativeScan, scanAffineDense, scanAffineDiagonal } from '@elk/scan';
import { createRandom } from '../analysis/random.ts';
import { timeRepeated } from '../analysis/timing.ts';
import type { RunContext } from '../cli/run-context.ts';
import { SCAN, type ScanSizes } from '../defaults.ts';
import type { FigureResult, Row } from '../output/figure-result.ts';
import { formatNumber, formatSeconds } from '../output/table.ts';
import { measureGpuScans, screenBandwidth } from './scan-throughput-gpu.ts';

type Precision = 'f32' | 'f64';

function randomArrays(precision: Precision, count: number, seed: number) {
  const random = createRandom(seed);
  const make = (n: number) => (precision === 'f32' ? new Float32Array(n) : new Float64Array(n));
  const a = make(count);
  const b = make(count);
  // |a| < 1 keeps the recurrence bounded, as in a contracting RNN.
  for (let i = 0; i < count; i++) {
    a[i] = 0.5 + 0.49 * (2 * random.uniform() - 1);
    b[i] = random.normal();
  }
  return { a, b };
}

/** The plain sequential loop x_t = a_t ⊙ x_{t−1} + b_t: the baseline every scan is compared with. */
function sequentialDiagonal(
  a: Float64Array | Float32Array,
  b: Float64Array | Float32Array,
  out: Float64Array | Float32Array,
  length: number,
  dim: number,
) {
  for (let d = 0; d < dim; d++) out[d] = b[d] ?? 0;
  for (let t = 1; t < length; t++) {
    const row = t * dim;
    for (let d = 0; d < dim; d++)
      out[row + d] = (a[row + d] ?? 0) * (out[row - dim + d] ?? 0) + (b[row + d] ?? 0);
  }
}

/**
 * Measures the CPU throughput of `@elk/scan`'s kernels — diagonal (forward and reverse, f32 and f64), dense,
 * and the generic `associativeScan` with the affine operator — against a plain sequential loop and the
 * memory copy bandwidth (`TypedArray.set`) measured in the same run. Bandwidth counts the bytes that must
 * move: a and b read once, x written once.
 */
export async function runScanFigure(context: RunContext, sizes: ScanSizes): Promise<FigureResult> {
  const rows: Row[] = [];
  const seed = context.options.seed;
  const total = sizes.lengths.length * (sizes.dims.length * 2 + sizes.denseDims.length);
  context.progress.start('scan', total);
  for (const length of sizes.lengths) {
    for (const dim of sizes.dims) {
      for (const precision of ['f64', 'f32'] as const) {
        const count = length * dim;
        const bytesPerValue = precision === 'f32' ? 4 : 8;
        const { a, b } = randomArrays(precision, count, seed);
        const out = precision === 'f32' ? new Float32Array(count) : new Float64Array(count);
        const bytes = 3 * count * bytesPerValue;
        const record = (kernel: string, seconds: number, movedBytes = bytes) =>
          rows.push({
            device: 'cpu',
            kernel,
            precision,
            length,
            dim,
            elements: count,
            seconds,
            elementsPerSecond: count / seconds,
            bytesPerSecond: movedBytes / seconds,
          });
        const copy = await timeRepeated(() => out.set(b), sizes.repeats);
        record('copy', copy.median, 2 * count * bytesPerValue);
        const loop = await timeRepeated(() => sequentialDiagonal(a, b, out, length, dim), sizes.repeats);
        record('sequential loop', loop.median);
        for (const reverse of [false, true]) {
          const timing = await timeRepeated(
            () => scanAffineDiagonal({ a, b, batch: 1, length, dim, reverse, out }),
            sizes.repeats,
          );
          record(reverse ? 'scanAffineDiagonal (reverse)' : 'scanAffineDiagonal', timing.median);
        }
        if (precision === 'f64' && dim === 1) {
          const elements = Array.from({ length: Math.min(count, 100_000) }, (_, i) => ({
            a: a[i] ?? 0,
            b: b[i] ?? 0,
          }));
          const timing = await timeRepeated(
            () => associativeScan(affineDiagonalOperator, elements),
            sizes.repeats,
          );
          rows.push({
            device: 'cpu',
            kernel: 'associativeScan (affine operator, objects)',
            precision,
            length: elements.length,
            dim,
            elements: elements.length,
            seconds: timing.median,
            elementsPerSecond: elements.length / timing.median,
            bytesPerSecond: (3 * elements.length * 8) / timing.median,
          });
        }
        context.progress.advance();
      }
    }
    for (const dim of sizes.denseDims) {
      const random = createRandom(seed + dim);
      const a = new Float64Array(length * dim * dim);
      for (let i = 0; i < a.length; i++) a[i] = (0.9 / Math.sqrt(dim)) * (2 * random.uniform() - 1);
      const b = random.fillNormal(new Float64Array(length * dim));
      const out = new Float64Array(length * dim);
      const timing = await timeRepeated(
        () => scanAffineDense({ a, b, batch: 1, length, dim, out }),
        sizes.repeats,
      );
      rows.push({
        device: 'cpu',
        kernel: 'scanAffineDense',
        precision: 'f64',
        length,
        dim,
        elements: length,
        seconds: timing.median,
        elementsPerSecond: length / timing.median,
        bytesPerSecond: ((dim * dim + 2 * dim) * length * 8) / timing.median,
      });
      context.progress.advance();
    }
  }
  context.progress.stop();
  const notes = [
    `CPU: medians of ${sizes.repeats} runs after a warm-up, batch 1; bandwidth = bytes that must move (a, b read, x written) / time; 'copy' is TypedArray.set of b`,
  ];
  const backend = await context.backend();
  if (backend.kind === 'webgpu' && backend.gpu) {
    const gpuRows = await measureGpuScans(
      backend,
      sizes.lengths.flatMap((length) => sizes.dims.map((dim) => length * dim * 16)),
      sizes.repeats,
    );
    // Only figures the kernels can have produced are results; the rejected ones are named in the notes.
    const screened = screenBandwidth(gpuRows.rows);
    rows.push(...screened.accepted);
    notes.push(...gpuRows.notes.filter((note) => !note.startsWith('suspect')), ...screened.notes);
  } else {
    notes.push(
      'no WebGPU adapter in use: CPU kernels only (run with --backend webgpu on a machine with a GPU)',
    );
  }
  return {
    figure: 'scan',
    notes,
    parameters: { ...sizes, seed },
    tables: { throughput: rows },
    plots: [
      {
        name: 'bandwidth',
        spec: {
          title: 'Scan throughput (bytes that must move per second)',
          data: { values: rows },
          transform: [
            { calculate: 'datum.bytesPerSecond / 1e9', as: 'GBps' },
            { calculate: "datum.device + ' ' + datum.precision + ' D=' + datum.dim", as: 'case' },
          ],
          mark: 'bar',
          width: 520,
          height: { step: 12 },
          encoding: {
            y: { field: 'case', type: 'nominal', title: null },
            yOffset: { field: 'kernel', type: 'nominal' },
            x: { field: 'GBps', type: 'quantitative', title: 'GB/s (log scale)', scale: { type: 'log' } },
            color: { field: 'kernel', type: 'nominal', legend: { labelLimit: 360 } },
          },
        },
      },
    ],
    summary: {
      title: `scan: throughput of @elk/scan's kernels (T = ${sizes.lengths.join(', ')})`,
      columns: ['device', 'kernel', 'precision', 'T', 'D', 'time', 'elements/s', 'GB/s'],
      rows: rows.map((row) => [
        String(row.device),
        String(row.kernel),
        String(row.precision),
        String(row.length),
        String(row.dim),
        formatSeconds(Number(row.seconds)),
        formatNumber(Number(row.elementsPerSecond)),
        formatNumber(Number(row.bytesPerSecond) / 1e9),
      ]),
    },
  };
}

/** `pnpm bench scan`. */
export function runScanCommand(context: RunContext): Promise<FigureResult> {
  return runScanFigure(context, context.options.full ? SCAN.full : SCAN.quick);
}
