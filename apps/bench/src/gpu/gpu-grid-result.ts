import type { GpuGridSizes } from '../defaults.ts';
import { screenBandwidth } from '../figures/scan-throughput-gpu.ts';
import type { FigureResult, Row, Value } from '../output/figure-result.ts';
import { formatBytes, formatNumber, formatSeconds } from '../output/table.ts';
import type { CudnnCase } from './cudnn-baseline.ts';
import { GPU_WARM_UP_MILLISECONDS, GPU_WARM_UP_MOST_MILLISECONDS } from './gpu-warm-up.ts';
import { referenceFor } from './reference-numbers.ts';

/** The measured rows of one or more gpu-grid runs (also what `partial.jsonl` holds, line by line). */
export interface GpuGridRows {
  adapter: string;
  /** The record each run wrote first: adapter, machine, versions (commit), command line. */
  runs: Row[];
  bandwidth: Row[];
  bandwidthNotes: string[];
  grid: Row[];
  cudnn: CudnnCase[];
}

function numberOrNull(value: Value | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function ratio(numerator: number | null | undefined, denominator: number | null | undefined): number | null {
  if (numerator === null || numerator === undefined || denominator === null || denominator === undefined)
    return null;
  return denominator > 0 ? numerator / denominator : null;
}

/**
 * A measured grid row with its derived figures: ms per iteration from the resident solve time and from the
 * total, and speedups (reference time ÷ elk's time, > 1 = elk faster) against cuDNN (this run's, else the
 * H200 reference), JAX's sequential `lax.scan` and JAX's quasi-DEER — each from the resident solve time and,
 * `…WithTransfers`, from the total that includes the upload and read-back.
 *
 * @example
 * ```ts
 * withRatios({ D: 8, T: 30000, method: 'quasi-deer', seconds: 0.06, solveSeconds: 0.01, iterations: 12 }, []);
 * ```
 */
export function withRatios(row: Row, cudnn: readonly CudnnCase[], ownSequential?: Row): Row {
  if (row.skipped !== undefined || row.failed !== undefined) return row;
  const D = Number(row.D);
  const T = Number(row.T);
  const total = numberOrNull(row.seconds);
  const solve = numberOrNull(row.solveSeconds);
  const iterations = Math.max(1, Number(row.iterations));
  const dispatched = numberOrNull(row.dispatchedIterations);
  const iterative = row.method !== 'sequential';
  const reference = referenceFor(D, T);
  const measuredCudnn = cudnn.find((entry) => entry.D === D && entry.T === T);
  const cudnnSeconds = measuredCudnn?.seconds ?? reference?.cudnnSeconds ?? null;
  const msPerIteration = iterative && solve !== null ? (solve * 1000) / iterations : null;
  const msPerIterationWithTransfers = iterative && total !== null ? (total * 1000) / iterations : null;
  const jaxMs = reference?.jaxQuasiDeerMsPerIteration ?? null;
  const quasiDeer = row.method === 'quasi-deer';
  const ownSolve = numberOrNull(ownSequential?.solveSeconds);
  return {
    ...row,
    msPerIteration,
    msPerIterationWithTransfers,
    msPerDispatchedIteration:
      iterative && solve !== null && dispatched !== null && dispatched > 0
        ? (solve * 1000) / dispatched
        : null,
    speedupVsOwnSequential: ratio(ownSolve, solve),
    cudnnSeconds,
    cudnnSource: measuredCudnn ? 'this run' : cudnnSeconds === null ? null : 'H200 reference',
    speedupVsCudnn: ratio(cudnnSeconds, solve),
    speedupVsCudnnWithTransfers: ratio(cudnnSeconds, total),
    jaxSequentialSeconds: reference?.jaxSequentialSeconds ?? null,
    speedupVsJaxSequential: ratio(reference?.jaxSequentialSeconds, solve),
    speedupVsJaxSequentialWithTransfers: ratio(reference?.jaxSequentialSeconds, total),
    jaxQuasiDeerSeconds: reference?.jaxQuasiDeerSeconds ?? null,
    speedupVsJaxQuasiDeer: iterative ? ratio(reference?.jaxQuasiDeerSeconds, solve) : null,
    speedupVsJaxQuasiDeerWithTransfers: iterative ? ratio(reference?.jaxQuasiDeerSeconds, total) : null,
    jaxQuasiDeerMsPerIteration: jaxMs,
    msPerIterationVsJaxQuasiDeer: quasiDeer ? ratio(msPerIteration, jaxMs) : null,
    msPerIterationWithTransfersVsJaxQuasiDeer: quasiDeer ? ratio(msPerIterationWithTransfers, jaxMs) : null,
  };
}

function pair(resident: Value | undefined, withTransfers: Value | undefined): string {
  return `${formatNumber(numberOrNull(resident))} | ${formatNumber(numberOrNull(withTransfers))}`;
}

/**
 * One line per run record: the adapter, CPU, cores, memory, Node, commit and command line it recorded (a line
 * saying so when there is none).
 *
 * @example
 * ```ts
 * describeRuns([runRow(record)]); // ['run: NVIDIA H200 …; Intel Xeon … × 16 cores, 128 GiB; node v20…; commit …']
 * ```
 */
export function describeRuns(runs: readonly Row[]): string[] {
  if (runs.length === 0) return ['run: no run record (machine, Node version and commit not recorded)'];
  return runs.map((run) => {
    const cpu = run.cpuModel ?? 'CPU not recorded';
    const cores = run.cpuCount ?? '?';
    const memory = numberOrNull(run.totalMemoryBytes);
    return `run: ${run.adapter ?? 'adapter not recorded'}; ${cpu} × ${cores} cores${memory === null ? '' : `, ${formatBytes(memory)}`}; node ${run.node ?? '?'}; commit ${run.commit ?? 'not recorded'}; ${run.commandLine ?? ''}`.trim();
  });
}

const COLUMNS = [
  'D',
  'T',
  'method',
  'iters (sent)',
  'upload',
  'solve',
  'read-back',
  'total',
  'ms/it res | tot',
  '× cuDNN res | tot',
  '× JAX seq res | tot',
  '× JAX qDEER res | tot',
  'ms/it ÷ JAX res | tot',
  'Δpeak',
  '|Δ seq|',
];

function summaryRow(row: Row): string[] {
  const head = [String(row.D), String(row.T), String(row.method)];
  const note = row.skipped ?? (row.failed === undefined ? undefined : `failed: ${row.failed}`);
  if (note !== undefined) return [...head, String(note), ...COLUMNS.slice(4).map(() => '')];
  const seconds = (value: Value | undefined) => formatSeconds(numberOrNull(value));
  return [
    ...head,
    `${row.iterations}${row.dispatchedIterations === undefined ? '' : ` (${row.dispatchedIterations})`}`,
    seconds(row.uploadSeconds),
    seconds(row.solveSeconds),
    seconds(row.readbackSeconds),
    seconds(row.seconds),
    pair(row.msPerIteration, row.msPerIterationWithTransfers),
    pair(row.speedupVsCudnn, row.speedupVsCudnnWithTransfers),
    pair(row.speedupVsJaxSequential, row.speedupVsJaxSequentialWithTransfers),
    pair(row.speedupVsJaxQuasiDeer, row.speedupVsJaxQuasiDeerWithTransfers),
    pair(row.msPerIterationVsJaxQuasiDeer, row.msPerIterationWithTransfersVsJaxQuasiDeer),
    formatBytes(numberOrNull(row.peakAboveHeldBytes)),
    formatNumber(numberOrNull(row.maxAbsDiffFromSequential), 2),
  ];
}

/** The note on repeated cases (--repeat): which were, and that their row is the median run's. */
function repeatNote(rows: readonly Row[]): string[] {
  const repeated = rows.filter((row) => typeof row.solveRepeats === 'string');
  if (repeated.length === 0) return [];
  const runs = Math.max(...repeated.map((row) => String(row.solveRepeats).split(' ').length));
  const longest = Math.max(...repeated.map((row) => Number(row.T)));
  return [
    `repeated (--repeat): ${repeated.length} case${repeated.length === 1 ? '' : 's'} (iterative methods, T ≤ ${longest}) ran ${runs} timed runs each; their row is the run with the median solve time (solveRepeats in the JSON lists all); the other cases ran once`,
  ];
}

/** The plotted time of each measured row: the resident solve where measured, else the total, labelled. */
function plotRows(grid: readonly Row[]): Row[] {
  return grid.flatMap((row) => {
    const solve = numberOrNull(row.solveSeconds);
    const total = numberOrNull(row.seconds);
    if (solve !== null) return [{ ...row, plotSeconds: solve, timing: 'resident solve' }];
    return total === null ? [] : [{ ...row, plotSeconds: total, timing: 'total incl. transfers' }];
  });
}

/**
 * The gpu-grid result (tables, notes, plot and printed table) from its measured rows; used at the end of a
 * run and to report runs, finished or cut short, from their `partial.jsonl` files. Ratios are derived here,
 * so rows measured in separate runs are compared with the cuDNN cases of any of them.
 *
 * @example
 * ```ts
 * const result = gpuGridResult({ adapter, runs, bandwidth, bandwidthNotes: [], grid, cudnn: [] }, GPU_GRID.full, {});
 * console.log(formatTable(result.summary));
 * ```
 */
export function gpuGridResult(
  rows: GpuGridRows,
  sizes: GpuGridSizes,
  parameters: Record<string, unknown>,
  extraNotes: string[] = [],
): FigureResult {
  const { adapter, runs, bandwidthNotes, cudnn } = rows;
  const screened = screenBandwidth(rows.bandwidth);
  const sequentialOf = (row: Row) =>
    rows.grid.find(
      (other) =>
        other.method === 'sequential' &&
        other.D === row.D &&
        other.T === row.T &&
        other.seconds !== undefined,
    );
  const grid = rows.grid.map((row) => withRatios(row, cudnn, sequentialOf(row)));
  const referenceCudnn = grid.filter((row) => row.cudnnSource === 'H200 reference').length;
  return {
    figure: 'gpu-grid',
    notes: [
      ...describeRuns(runs),
      // The notes the run wrote, less its own suspect flags (screening below decides what is a result).
      ...bandwidthNotes.filter((note) => !note.startsWith('suspect')),
      ...screened.notes,
      ...screened.accepted.map(
        (row) =>
          `${row.kernel}, ${formatNumber(Number(row.elements))} elements: ${row.singlePassBytesPerSecond === undefined ? '' : 'three-pass '}${formatNumber(Number(row.bytesPerSecond) / 1e9)} GB/s${row.fractionOfCopy === undefined || row.fractionOfCopy === null ? '' : ` (${formatNumber(100 * Number(row.fractionOfCopy))}% of ${row.copyKernel})`}${row.singlePassBytesPerSecond === undefined ? '' : `; single-pass ${formatNumber(Number(row.singlePassBytesPerSecond) / 1e9)} GB/s${row.singlePassFractionOfCopy === undefined || row.singlePassFractionOfCopy === null ? '' : ` (${formatNumber(100 * Number(row.singlePassFractionOfCopy))}%)`}`}`,
      ),
      ...extraNotes,
      `grid: flax GRU, f32, tolerance ${sizes.tolerance}, the solver's default stopping rule for f32. Times per case: upload = session creation with the inputs until that work completed; solve = first iteration until all work enqueued before the read-back completed, for the iterative methods evaluate's last status read (data resident on the GPU: the figure to compare with JAX and cuDNN, which keep their data on the device); read-back = reading the states to the host; total = the wall clock of evaluate() (upload + solve + read-back + host checks); on hardware adapters the GPU is kept busy with arithmetic between upload and solve, at least ${GPU_WARM_UP_MILLISECONDS / 1000} s and then until its dispatch time is steady, at most ${GPU_WARM_UP_MOST_MILLISECONDS / 1000} s (a GPU idle during the upload starts at a low clock), outside every phase and the total`,
      "iters (sent): evaluate's iterations (the most any sequence took), in brackets the iterations enqueued (status is read every few iterations, so a few run after the last sequence stopped); ms/it = time / evaluate's iterations, res(ident) from the solve time, tot(al) from the total",
      `ratios: × = reference time ÷ elk's time (> 1: elk faster), from elk's resident solve time | from its total with transfers; cuDNN = torch.nn.GRU timed in this run (--cudnn)${referenceCudnn > 0 ? `, else the H200 reference (${referenceCudnn} rows)` : ''}; JAX = the authors' code on the H200 (PERF notes); ms/it ÷ JAX < 1/3 is the goal (quasi-DEER rows)`,
      "Δpeak: the backend pool's peak minus what it held when the case began",
      ...(rows.grid.some((row) => row.rehearsed === true)
        ? [
            "rehearsed (--rehearse): each iterative method ran once untimed on the case's own inputs before its timed run, whose arrays then came from the backend's pool (as JAX's and cuDNN's timings follow warm-up calls)",
          ]
        : []),
      ...repeatNote(rows.grid),
      `DEER only where one dense Jacobian array (T·B·D²·4 bytes) is ≤ ${formatBytes(sizes.denseBytesLimit)}${sizes.sequentialMaxLength === null ? '' : `; the sequential kernel only where T ≤ ${sizes.sequentialMaxLength} (|Δ seq| needs it)`}`,
    ],
    parameters: { ...sizes, ...parameters, adapter },
    tables: {
      bandwidth: screened.accepted,
      ...(screened.rejected.length > 0 ? { bandwidthRejected: screened.rejected } : {}),
      grid,
      cudnn: cudnn.map((entry) => ({ ...entry })),
      ...(runs.length > 0 ? { runs } : {}),
    },
    plots: [
      {
        name: 'grid-time',
        spec: {
          title: `gpu-grid on ${adapter}: time vs T (resident solve where measured, else the total)`,
          data: { values: plotRows(grid) },
          facet: { column: { field: 'D', type: 'ordinal' } },
          spec: {
            width: 200,
            height: 200,
            mark: { type: 'line', point: true },
            encoding: {
              x: { field: 'T', type: 'quantitative', scale: { type: 'log' } },
              y: { field: 'plotSeconds', type: 'quantitative', scale: { type: 'log' }, title: 'seconds' },
              color: { field: 'method', type: 'nominal' },
              strokeDash: { field: 'timing', type: 'nominal' },
            },
          },
        },
      },
    ],
    summary: { title: `gpu-grid: ${adapter}`, columns: COLUMNS, rows: grid.map(summaryRow) },
  };
}

/**
 * A run record as a flat row (adapter, CPU model and cores, memory, Node, commit, command line, seed) from
 * what a run writes first to `partial.jsonl` (`machine` and `versions` objects, or already flat).
 *
 * @example
 * ```ts
 * runRow({ adapter: 'H200', machine: describeMachine(), versions: describeVersions(), commandLine: ['node'] });
 * ```
 */
export function runRow(record: Record<string, unknown>): Row {
  const object = (value: unknown): Record<string, unknown> =>
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const machine = { ...object(record.machine) };
  const versions = object(record.versions);
  const pick = (value: unknown): Value =>
    typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;
  const commandLine = Array.isArray(record.commandLine)
    ? record.commandLine.map(String).join(' ')
    : pick(record.commandLine);
  return {
    adapter: pick(record.adapter),
    cpuModel: pick(machine.cpuModel ?? record.cpuModel),
    cpuCount: pick(machine.cpuCount ?? record.cpuCount),
    totalMemoryBytes: pick(machine.totalMemoryBytes ?? record.totalMemoryBytes),
    node: pick(machine.node ?? record.node),
    commit: pick(versions.commit ?? record.commit),
    commandLine,
    seed: pick(record.seed),
  };
}
