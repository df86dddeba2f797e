import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RunContext } from '../cli/run-context.ts';
import { UsageError } from '../cli/usage-error.ts';
import { DEFAULT_RESULTS_DIRECTORY, GPU_GRID, type GpuGridSizes, type Method } from '../defaults.ts';
import { describeMachine, describeVersions } from '../environment/machine.ts';
import { gruProblems, maxAbsDifference } from '../figures/gru-problem.ts';
import { runMethod } from '../figures/run-method.ts';
import { flagSuspectBandwidth, measureGpuScans } from '../figures/scan-throughput-gpu.ts';
import type { FigureResult, Row } from '../output/figure-result.ts';
import { formatBytes, formatNumber, formatSeconds } from '../output/table.ts';
import { type CudnnCase, runCudnnBaseline } from './cudnn-baseline.ts';
import { referenceFor } from './reference-numbers.ts';

/** Seconds the cuDNN script may run. */
const CUDNN_TIMEOUT_SECONDS = 300;

function ratio(numerator: number | null | undefined, denominator: number | null | undefined): number | null {
  if (numerator === null || numerator === undefined || denominator === null || denominator === undefined)
    return null;
  return denominator > 0 ? numerator / denominator : null;
}

/**
 * `pnpm bench gpu-grid` (issue 10): on the WebGPU adapter found, copy bandwidth and the diagonal scan's
 * bandwidth, then the Fig. 2 grid (flax GRU, B = 16, f32) for the WebGPU sequential kernel, quasi-DEER,
 * quasi-ELK and DEER (where its O(T·B·D²) Jacobians fit): total time, iterations, time per iteration, peak
 * bytes, max |difference| from the sequential result — with ratios against the H200 reference numbers and,
 * with `--cudnn script.py`, against cuDNN's GRU timed in the same call. Each case is also appended to
 * `partial.jsonl` as it finishes, so a run cut short keeps what it measured.
 */
export async function runGpuGrid(context: RunContext, sizes: GpuGridSizes): Promise<FigureResult> {
  const backend = await context.backend();
  if (backend.kind !== 'webgpu' || !backend.gpu) {
    throw new UsageError(
      'gpu-grid',
      'a WebGPU adapter',
      backend.fallbackReason ?? 'the CPU backend was chosen',
    );
  }
  const directory = join(
    resolve(context.options.out ?? join(context.benchRoot, DEFAULT_RESULTS_DIRECTORY)),
    'gpu-grid',
  );
  mkdirSync(directory, { recursive: true });
  const partial = join(directory, 'partial.jsonl');
  writeFileSync(partial, '');
  const checkpoint = (kind: string, row: object) =>
    appendFileSync(partial, `${JSON.stringify({ kind, ...row })}\n`);
  checkpoint('run', {
    adapter: backend.adapter,
    commandLine: [process.argv0, ...process.argv.slice(1)],
    machine: describeMachine(),
    versions: describeVersions(),
    seed: context.options.seed,
  });

  let cudnn: CudnnCase[] = [];
  if (context.options.cudnn) {
    context.log(`running python3 ${context.options.cudnn} (cuDNN baseline)…`);
    cudnn = runCudnnBaseline(context.options.cudnn, CUDNN_TIMEOUT_SECONDS);
    for (const entry of cudnn) checkpoint('cudnn', { ...entry });
  }

  context.log(`bandwidth on ${backend.adapter}…`);
  const bandwidth = await measureGpuScans(backend, sizes.scanElements, sizes.repeats);
  for (const row of bandwidth.rows) checkpoint('bandwidth', row);
  checkpoint('bandwidth-notes', { notes: bandwidth.notes });

  const problems = gruProblems(context.options, sizes.batch, sizes.dims, sizes.lengths);
  const warmup = gruProblems({ ...context.options, weights: undefined, inputs: undefined }, 2, [8], [64])[0];
  if (warmup) {
    for (const method of sizes.methods) {
      await runMethod(warmup.cell, { ...warmup, method, backend: backend.solver, maxIterations: 5 });
    }
  }
  const grid: Row[] = [];
  context.progress.start('gpu-grid', problems.length * sizes.methods.length);
  for (const problem of problems) {
    const { cell, batch, length, dim, inputs, initialState } = problem;
    let sequentialStates: ArrayLike<number> | undefined;
    let sequentialSeconds: number | null = null;
    for (const method of sizes.methods) {
      context.progress.advance(1, `gpu-grid D=${dim} T=${length} ${method}`);
      const denseBytes = batch * length * dim * dim * 4;
      if (method === 'deer' && denseBytes > sizes.denseBytesLimit) {
        const skipped = {
          D: dim,
          T: length,
          B: batch,
          method,
          skipped: `dense Jacobians need ${formatBytes(denseBytes)} per array`,
        };
        grid.push(skipped);
        checkpoint('grid', skipped);
        continue;
      }
      const run = await runMethod(cell, {
        inputs,
        initialState,
        batch,
        method,
        backend: backend.solver,
        maxIterations: method === 'sequential' ? 1 : sizes.maxIterations,
        tolerance: sizes.tolerance,
      });
      if (method === 'sequential') {
        sequentialStates = run.states;
        sequentialSeconds = run.seconds;
      }
      const reference = referenceFor(dim, length);
      const cudnnCase = cudnn.find((entry) => entry.D === dim && entry.T === length);
      const msPerIteration =
        method === 'sequential' ? null : (run.seconds * 1000) / Math.max(1, run.iterations);
      const row: Row = {
        D: dim,
        T: length,
        B: batch,
        method: method satisfies Method,
        seconds: run.seconds,
        iterations: run.iterations,
        msPerIteration,
        converged: run.converged,
        stopReasons: [...new Set(run.stopReasons)].join('|'),
        peakBytes: run.peakBytes,
        peakAboveHeldBytes: run.peakAboveHeldBytes,
        maxAbsDiffFromSequential: sequentialStates ? maxAbsDifference(run.states, sequentialStates) : null,
        speedupVsOwnSequential: ratio(sequentialSeconds, run.seconds),
        cudnnSeconds: cudnnCase?.seconds ?? null,
        speedupVsCudnn: ratio(cudnnCase?.seconds, run.seconds),
        referenceCudnnSeconds: reference?.cudnnSeconds ?? null,
        jaxSequentialSeconds: reference?.jaxSequentialSeconds ?? null,
        speedupVsJaxSequential: ratio(reference?.jaxSequentialSeconds, run.seconds),
        jaxQuasiDeerMsPerIteration: reference?.jaxQuasiDeerMsPerIteration ?? null,
        msPerIterationVsJaxQuasiDeer:
          method === 'quasi-deer' ? ratio(msPerIteration, reference?.jaxQuasiDeerMsPerIteration) : null,
      };
      grid.push(row);
      checkpoint('grid', row);
    }
  }
  context.progress.stop();
  return gpuGridResult(
    {
      adapter: backend.adapter ?? 'unknown',
      bandwidth: bandwidth.rows,
      bandwidthNotes: bandwidth.notes,
      grid,
      cudnn,
    },
    sizes,
    { seed: context.options.seed, cudnn: context.options.cudnn ?? null },
  );
}

/** The measured rows of a gpu-grid run (also what `partial.jsonl` holds, line by line). */
export interface GpuGridRows {
  adapter: string;
  bandwidth: Row[];
  bandwidthNotes: string[];
  grid: Row[];
  cudnn: CudnnCase[];
}

/**
 * The gpu-grid result (tables, notes, plot and printed table) from its measured rows; used at the end of a
 * run and to report a run that was cut short from its `partial.jsonl`.
 */
export function gpuGridResult(
  rows: GpuGridRows,
  sizes: GpuGridSizes,
  parameters: Record<string, unknown>,
  extraNotes: string[] = [],
): FigureResult {
  const { adapter, bandwidth, bandwidthNotes, grid, cudnn } = rows;
  const suspectNotes = flagSuspectBandwidth(bandwidth);
  const measured = grid.filter((row) => row.seconds !== undefined);
  return {
    figure: 'gpu-grid',
    notes: [
      ...bandwidthNotes,
      ...suspectNotes,
      ...bandwidth.map(
        (row) =>
          `${row.kernel}, ${formatNumber(Number(row.elements))} elements: ${formatNumber(Number(row.bytesPerSecond) / 1e9)} GB/s${row.fractionOfCopy === undefined ? '' : ` (${formatNumber(100 * Number(row.fractionOfCopy))}% of copy)`}${row.suspect ? ' [suspect]' : ''}`,
      ),
      ...extraNotes,
      `grid: flax GRU, f32, tolerance ${sizes.tolerance}, the solver's default stopping rule for f32; time = wall clock of evaluate() incl. upload and read-back; ms/iteration = time / iterations`,
      'ratios: speedupVsCudnn against the cuDNN run of this call (--cudnn), jax* against the H200 reference numbers (PERF notes); msPerIterationVsJaxQuasiDeer < 1/3 is the goal',
      "peakBytes: the backend pool's peak (it keeps freed buffers for reuse, so it includes earlier runs' buffers); Δpeak (peakAboveHeldBytes): that peak minus what the pool held when the run began",
      `DEER only where one dense Jacobian array (T·B·D²·4 bytes) is ≤ ${formatBytes(sizes.denseBytesLimit)}`,
    ],
    parameters: { ...sizes, ...parameters, adapter },
    tables: { bandwidth, grid, cudnn: cudnn.map((entry) => ({ ...entry })) },
    plots: [
      {
        name: 'grid-time',
        spec: {
          title: `gpu-grid on ${adapter}: time vs T`,
          data: { values: measured },
          facet: { column: { field: 'D', type: 'ordinal' } },
          spec: {
            width: 200,
            height: 200,
            mark: { type: 'line', point: true },
            encoding: {
              x: { field: 'T', type: 'quantitative', scale: { type: 'log' } },
              y: { field: 'seconds', type: 'quantitative', scale: { type: 'log' }, title: 'seconds' },
              color: { field: 'method', type: 'nominal' },
            },
          },
        },
      },
    ],
    summary: {
      title: `gpu-grid: ${adapter}`,
      columns: [
        'D',
        'T',
        'method',
        'time',
        'iters',
        'ms/iter',
        'peak',
        '|Δ seq|',
        '× cuDNN',
        '× JAX seq',
        'ms/it ÷ JAX',
      ],
      rows: grid.map((row) =>
        row.skipped
          ? [
              String(row.D),
              String(row.T),
              String(row.method),
              String(row.skipped),
              '',
              '',
              '',
              '',
              '',
              '',
              '',
            ]
          : [
              String(row.D),
              String(row.T),
              String(row.method),
              formatSeconds(Number(row.seconds)),
              String(row.iterations),
              row.msPerIteration === null ? '–' : formatNumber(Number(row.msPerIteration)),
              formatBytes(row.peakAboveHeldBytes === null ? null : Number(row.peakAboveHeldBytes)),
              formatNumber(
                row.maxAbsDiffFromSequential === null ? null : Number(row.maxAbsDiffFromSequential),
                2,
              ),
              formatNumber(row.speedupVsCudnn === null ? null : Number(row.speedupVsCudnn)),
              formatNumber(row.speedupVsJaxSequential === null ? null : Number(row.speedupVsJaxSequential)),
              formatNumber(
                row.msPerIterationVsJaxQuasiDeer === null ? null : Number(row.msPerIterationVsJaxQuasiDeer),
              ),
            ],
      ),
    },
  };
}

/** `pnpm bench gpu-grid`: quick sizes by default (a smoke run), the issue's grid with `--full`. */
export function runGpuGridCommand(context: RunContext): Promise<FigureResult> {
  const sizes = context.options.full ? GPU_GRID.full : GPU_GRID.quick;
  return runGpuGrid(context, {
    ...sizes,
    dims: context.options.dims ?? sizes.dims,
    lengths: context.options.lengths ?? sizes.lengths,
  });
}
