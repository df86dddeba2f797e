import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Cell } from '@elk/cells';
import type { Backend } from '@elk/solvers';
import {
  createWebGpuBackend,
  type FusionChoice,
  type LinearizeKernel,
  type ScanUpdate,
  type ScanVariantChoice,
  type SequentialKernel,
  type WebGpuBackend,
  warmUpGpu,
} from '@elk/webgpu';
import { createRandom } from '../analysis/random.ts';
import type { RunContext } from '../cli/run-context.ts';
import { UsageError } from '../cli/usage-error.ts';
import { DEFAULT_RESULTS_DIRECTORY, GPU_GRID, type GpuGridSizes, type Method } from '../defaults.ts';
import { describeMachine, describeVersions } from '../environment/machine.ts';
import { iterateGruProblems, maxAbsDifference } from '../figures/gru-problem.ts';
import { type MethodRun, runMethod } from '../figures/run-method.ts';
import { measureGpuScans } from '../figures/scan-throughput-gpu.ts';
import type { FigureResult, Row } from '../output/figure-result.ts';
import { formatBytes } from '../output/table.ts';
import { type CudnnCase, runCudnnBaseline } from './cudnn-baseline.ts';
import { gpuGridResult, runRow } from './gpu-grid-result.ts';
import { GPU_WARM_UP_MILLISECONDS, GPU_WARM_UP_MOST_MILLISECONDS } from './gpu-warm-up.ts';

/**
 * The WebGPU kernel variants a gpu-grid run asks for (see `@elk/webgpu`'s `linearizeKernel`,
 * `sequentialKernel`) and how `evaluate` reads the status (`checkEvery`, `readAhead`); each absent one is the
 * backend's default for the adapter.
 */
export interface GpuGridKernels {
  readonly linearizeKernel?: LinearizeKernel;
  readonly linearizeRows?: number;
  readonly sequentialKernel?: SequentialKernel;
  readonly scanUpdate?: ScanUpdate;
  readonly fusion?: FusionChoice;
  readonly scanVariant?: ScanVariantChoice;
  readonly submitEvery?: number;
  readonly checkEvery?: number;
  readonly readAhead?: number;
  readonly predictStop?: boolean;
}

function environmentInteger(
  environment: Record<string, string | undefined>,
  name: string,
  minimum: number,
): number | undefined {
  const text = environment[name];
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(/^\d+$/.test(text) && value >= minimum)) throw new UsageError(name, `an integer ≥ ${minimum}`, text);
  return value;
}

/**
 * The kernel variants named by `ELK_LINEARIZE_KERNEL` (`per-element` | `tiled`), `ELK_LINEARIZE_ROWS` (rows per
 * invocation of the tiled kernel: 1, 2, 4, 8 or 16), `ELK_SEQUENTIAL_KERNEL`
 * (`per-sequence` | `row-parallel`), `ELK_SCAN_UPDATE` (`auto` | `true` | `false`), `ELK_FUSION` (`true` |
 * `false` | `auto` | `tiled` | `chunked`: quasi-DEER's fused iteration), `ELK_SCAN_VARIANT` (`auto` | `three-pass` | `single-pass`), the submissions by `ELK_SUBMIT_EVERY` (≥ 1), and the reads by
 * `ELK_CHECK_EVERY` (≥ 1), `ELK_READ_AHEAD` (≥ 0) and `ELK_PREDICT_STOP` (`true` | `false`),
 * each the backend's default when unset, so that one round can run the defaults and the variants side by side.
 *
 * @throws {@link UsageError} for any other value.
 * @example
 * ```ts
 * gpuGridKernels({ ELK_LINEARIZE_KERNEL: 'tiled' }); // { linearizeKernel: 'tiled' }
 * ```
 */
export function gpuGridKernels(environment: Record<string, string | undefined>): GpuGridKernels {
  const linearizeKernel = environment.ELK_LINEARIZE_KERNEL;
  if (linearizeKernel !== undefined && linearizeKernel !== 'per-element' && linearizeKernel !== 'tiled')
    throw new UsageError('ELK_LINEARIZE_KERNEL', "'per-element' or 'tiled'", linearizeKernel);
  const sequentialKernel = environment.ELK_SEQUENTIAL_KERNEL;
  if (
    sequentialKernel !== undefined &&
    sequentialKernel !== 'per-sequence' &&
    sequentialKernel !== 'row-parallel'
  )
    throw new UsageError('ELK_SEQUENTIAL_KERNEL', "'per-sequence' or 'row-parallel'", sequentialKernel);
  const scanUpdateText = environment.ELK_SCAN_UPDATE;
  if (scanUpdateText !== undefined && !['auto', 'true', 'false'].includes(scanUpdateText))
    throw new UsageError('ELK_SCAN_UPDATE', "'auto', 'true' or 'false'", scanUpdateText);
  const scanUpdate: ScanUpdate | undefined =
    scanUpdateText === undefined || scanUpdateText === 'auto' ? scanUpdateText : scanUpdateText === 'true';
  const fusionText = environment.ELK_FUSION;
  if (fusionText !== undefined && !['true', 'false', 'auto', 'tiled', 'chunked'].includes(fusionText))
    throw new UsageError('ELK_FUSION', "'true', 'false', 'auto', 'tiled' or 'chunked'", fusionText);
  const fusion: FusionChoice | undefined =
    fusionText === 'true' || fusionText === 'false' ? fusionText === 'true' : (fusionText as FusionChoice);
  const scanVariant = environment.ELK_SCAN_VARIANT;
  if (scanVariant !== undefined && !['auto', 'three-pass', 'single-pass'].includes(scanVariant))
    throw new UsageError('ELK_SCAN_VARIANT', "'auto', 'three-pass' or 'single-pass'", scanVariant);
  const linearizeRows = environmentInteger(environment, 'ELK_LINEARIZE_ROWS', 1);
  if (linearizeRows !== undefined && ![1, 2, 4, 8, 16].includes(linearizeRows))
    throw new UsageError('ELK_LINEARIZE_ROWS', '1, 2, 4, 8 or 16', String(linearizeRows));
  const checkEvery = environmentInteger(environment, 'ELK_CHECK_EVERY', 1);
  const submitEvery = environmentInteger(environment, 'ELK_SUBMIT_EVERY', 1);
  const readAhead = environmentInteger(environment, 'ELK_READ_AHEAD', 0);
  const predictStop = environment.ELK_PREDICT_STOP;
  if (predictStop !== undefined && predictStop !== 'true' && predictStop !== 'false')
    throw new UsageError('ELK_PREDICT_STOP', "'true' or 'false'", predictStop);
  return {
    ...(linearizeKernel ? { linearizeKernel } : {}),
    ...(linearizeRows === undefined ? {} : { linearizeRows }),
    ...(sequentialKernel ? { sequentialKernel } : {}),
    ...(scanUpdate === undefined ? {} : { scanUpdate }),
    ...(fusion === undefined ? {} : { fusion }),
    ...(scanVariant === undefined ? {} : { scanVariant: scanVariant as ScanVariantChoice }),
    ...(checkEvery === undefined ? {} : { checkEvery }),
    ...(submitEvery === undefined ? {} : { submitEvery }),
    ...(readAhead === undefined ? {} : { readAhead }),
    ...(predictStop === undefined ? {} : { predictStop: predictStop === 'true' }),
  };
}

/** Seconds the cuDNN script may run. */
const CUDNN_TIMEOUT_SECONDS = 300;

/**
 * `pnpm bench gpu-grid` (issue 10): on the WebGPU adapter found, copy bandwidth and the diagonal scan's
 * bandwidth, then the Fig. 2 grid (flax GRU, B = 16, f32) for the WebGPU sequential kernel, quasi-DEER,
 * quasi-ELK and DEER (where its O(T·B·D²) Jacobians fit). Each case is timed phase by phase — upload, solve
 * with the data resident, read-back, total — with iterations, peak bytes and max |difference| from the
 * sequential result; ratios against the H200 reference numbers and, with `--cudnn`, against cuDNN's GRU timed
 * in the same call. Every record (the run's machine and commit first, then each bandwidth row and case, with
 * the seconds since the start) is appended to `partial.jsonl` as it is measured, so a run cut short keeps
 * what it measured; a case that fails is recorded as failed and the grid goes on. `kernels` (default: from
 * the environment, see {@link gpuGridKernels}) picks `@elk/webgpu`'s kernel variants; each row records them.
 *
 * @example
 * ```ts
 * const result = await runGpuGrid(context, { ...GPU_GRID.full, dims: [64], lengths: [1_000_000] });
 * ```
 */
export async function runGpuGrid(
  context: RunContext,
  sizes: GpuGridSizes,
  kernels: GpuGridKernels = gpuGridKernels(process.env),
): Promise<FigureResult> {
  const backend = await context.backend();
  if (backend.kind !== 'webgpu' || !backend.gpu) {
    throw new UsageError(
      'gpu-grid',
      'a WebGPU adapter',
      backend.fallbackReason ?? 'the CPU backend was chosen',
    );
  }
  const defaults = Object.values(kernels).every((value) => value === undefined);
  // The variants run on a backend of their own over the same device (the bench's backend keeps the defaults).
  const variant: WebGpuBackend | undefined = defaults
    ? undefined
    : await createWebGpuBackend({ device: backend.gpu.device, ...kernels });
  const solver: Backend = variant ?? backend.solver;
  const device = backend.gpu.device;
  // Each solve starts at the clock of steady work (see warmUpGpu); software adapters have no clocks to raise.
  const warmUpMilliseconds = backend.gpu.software ? 0 : GPU_WARM_UP_MILLISECONDS;
  // What the sessions run with: the variants asked for, the rest the adapter's defaults.
  const solverBackend = variant ?? (backend.solver as WebGpuBackend);
  const used = {
    ...solverBackend.kernels,
    checkEvery: solverBackend.checkEvery,
    readAhead: solverBackend.readAhead,
    predictStop: solverBackend.predictStop,
    submitEvery: solverBackend.submitEvery,
  };
  const directory = join(
    resolve(context.options.out ?? join(context.benchRoot, DEFAULT_RESULTS_DIRECTORY)),
    'gpu-grid',
  );
  mkdirSync(directory, { recursive: true });
  const partial = join(directory, 'partial.jsonl');
  writeFileSync(partial, '');
  const runStarted = performance.now();
  const checkpoint = (kind: string, row: object) =>
    appendFileSync(
      partial,
      `${JSON.stringify({ kind, ...row, atSeconds: (performance.now() - runStarted) / 1000 })}\n`,
    );
  const run = {
    adapter: backend.adapter,
    commandLine: [process.argv0, ...process.argv.slice(1)],
    machine: describeMachine(),
    versions: describeVersions(),
    seed: context.options.seed,
    sizes,
    kernels: used,
  };
  checkpoint('run', run);

  let cudnn: CudnnCase[] = [];
  if (context.options.cudnn) {
    context.log(`cuDNN baseline from ${context.options.cudnn}…`);
    cudnn = runCudnnBaseline(context.options.cudnn, CUDNN_TIMEOUT_SECONDS);
    for (const entry of cudnn) checkpoint('cudnn', { ...entry });
  }

  let bandwidth: { rows: Row[]; notes: string[] } = { rows: [], notes: [] };
  if (sizes.parts.includes('bandwidth')) {
    context.log(`bandwidth on ${backend.adapter}…`);
    bandwidth = await measureGpuScans(backend, sizes.scanElements, sizes.repeats, (row) =>
      checkpoint('bandwidth', row),
    );
    checkpoint('bandwidth-notes', { notes: bandwidth.notes });
  }

  const grid: Row[] = [];
  if (sizes.parts.includes('grid')) {
    const fromFiles = context.options.weights !== undefined || context.options.inputs !== undefined;
    const cases = fromFiles ? 1 : sizes.dims.length * sizes.lengths.length;
    context.progress.start('gpu-grid', cases * sizes.methods.length);
    const warmed = new Set<Cell>();
    let setupStarted = performance.now();
    for (const problem of iterateGruProblems(context.options, sizes.batch, sizes.dims, sizes.lengths)) {
      const setupSeconds = (performance.now() - setupStarted) / 1000;
      const { cell, batch, length, dim, inputs, initialState } = problem;
      if (!warmed.has(cell)) {
        // Compiles this cell's pipelines (keyed by the cell and D, not T) outside the timed runs.
        warmed.add(cell);
        await warmUp(cell, batch, sizes.methods, solver);
      }
      let sequentialStates: ArrayLike<number> | undefined;
      for (const method of sizes.methods) {
        context.progress.advance(1, `gpu-grid D=${dim} T=${length} ${method}`);
        const base = { D: dim, T: length, B: batch, method: method satisfies Method, ...used };
        const skipped = skipReason(method, batch, length, dim, sizes);
        if (skipped !== null) {
          grid.push({ ...base, skipped });
          checkpoint('grid', { ...base, skipped });
          continue;
        }
        // Marks the case as begun, so that a run stopped during it says which case it was in.
        checkpoint('case-start', base);
        let row: Row;
        const rehearsed = context.options.rehearse && method !== 'sequential';
        try {
          const run = {
            inputs,
            initialState,
            batch,
            method,
            backend: solver,
            maxIterations: method === 'sequential' ? 1 : sizes.maxIterations,
            tolerance: sizes.tolerance,
          };
          // Untimed: the timed run below then takes this run's arrays from the pool.
          if (rehearsed) await runMethod(cell, run);
          const repeats =
            method === 'sequential' ||
            (context.options.repeatMaxLength !== undefined && length > context.options.repeatMaxLength)
              ? 1
              : context.options.repeat;
          const runs: MethodRun[] = [];
          for (let repeat = 0; repeat < repeats; repeat++) {
            runs.push(
              await runMethod(cell, {
                ...run,
                beforeSolve: async () => {
                  const warm = await warmUpGpu(device, warmUpMilliseconds, {
                    mostMilliseconds: GPU_WARM_UP_MOST_MILLISECONDS,
                  });
                  return warm.seconds;
                },
              }),
            );
          }
          // The run with the median solve time (the lower middle one of an even count).
          const solves = runs.map((one) => one.phases.solveSeconds);
          const order = runs.map((_, index) => index).sort((a, b) => (solves[a] ?? 0) - (solves[b] ?? 0));
          const measured = runs[order[(runs.length - 1) >> 1] ?? 0] as MethodRun;
          if (method === 'sequential') sequentialStates = measured.states;
          row = {
            ...base,
            seconds: measured.seconds,
            ...measured.phases,
            iterations: measured.iterations,
            converged: measured.converged,
            stopReasons: [...new Set(measured.stopReasons)].join('|'),
            peakBytes: measured.peakBytes,
            peakAboveHeldBytes: measured.peakAboveHeldBytes,
            maxAbsDiffFromSequential: sequentialStates
              ? maxAbsDifference(measured.states, sequentialStates)
              : null,
            setupSeconds,
            rehearsed,
            ...(runs.length > 1 ? { solveRepeats: solves.map((s) => s.toPrecision(4)).join(' ') } : {}),
            // With timelines, every timed run's (in run order), each after its origin on the process clock.
            ...(runs.length > 1 && measured.phases.timeline !== undefined
              ? {
                  timelineRepeats: runs
                    .map((one) => `${one.phases.timelineOriginMs?.toFixed(3)}: ${one.phases.timeline}`)
                    .join(' | '),
                }
              : {}),
          };
        } catch (error) {
          row = { ...base, failed: error instanceof Error ? error.message : String(error), setupSeconds };
          context.log(`gpu-grid D=${dim} T=${length} ${method} failed: ${row.failed}`);
        }
        grid.push(row);
        checkpoint('grid', row);
      }
      // Frees the pooled buffers of this problem's sizes before the next (a 4 GiB array at D = 64, T = 10⁶).
      backend.webgpu?.trim();
      variant?.trim();
      setupStarted = performance.now();
    }
    context.progress.stop();
  }
  variant?.destroy();
  return gpuGridResult(
    {
      adapter: backend.adapter ?? 'unknown',
      runs: [runRow(run)],
      bandwidth: bandwidth.rows,
      bandwidthNotes: bandwidth.notes,
      grid,
      cudnn,
    },
    sizes,
    { seed: context.options.seed, cudnn: context.options.cudnn ?? null },
  );
}

/**
 * Runs every method for a few iterations on a short random problem of `cell` (not timed). A method that fails
 * here is left to fail in its timed case, where the failure is recorded.
 */
async function warmUp(
  cell: Cell,
  batch: number,
  methods: readonly Method[],
  backend: Backend,
): Promise<void> {
  const length = 64;
  const inputs = createRandom(1).fillNormal(new Float32Array(batch * length * cell.inputSize));
  const initialState = new Float32Array(batch * cell.stateSize);
  for (const method of methods) {
    try {
      await runMethod(cell, { inputs, initialState, batch, method, backend, maxIterations: 3 });
    } catch {
      // recorded by the timed case
    }
  }
}

/** Why a case is not run (DEER's dense Jacobians over the limit, the sequential kernel over its length), or null. */
function skipReason(
  method: Method,
  batch: number,
  length: number,
  dim: number,
  sizes: GpuGridSizes,
): string | null {
  const denseBytes = batch * length * dim * dim * 4;
  if ((method === 'deer' || method === 'elk') && denseBytes > sizes.denseBytesLimit)
    return `dense Jacobians need ${formatBytes(denseBytes)} per array`;
  if (method === 'sequential' && sizes.sequentialMaxLength !== null && length > sizes.sequentialMaxLength)
    return `sequential kernel only for T ≤ ${sizes.sequentialMaxLength}`;
  return null;
}

/** `pnpm bench gpu-grid`: quick sizes by default (a smoke run), the grid with `--full`. */
export function runGpuGridCommand(context: RunContext): Promise<FigureResult> {
  const sizes = context.options.full ? GPU_GRID.full : GPU_GRID.quick;
  const { options } = context;
  return runGpuGrid(context, {
    ...sizes,
    dims: options.dims ?? sizes.dims,
    lengths: options.lengths ?? sizes.lengths,
    methods: options.methods ?? sizes.methods,
    parts: options.parts ?? sizes.parts,
    sequentialMaxLength: options.sequentialMaxLength ?? sizes.sequentialMaxLength,
    scanElements: options.scanElements ?? sizes.scanElements,
    maxIterations: options.maxIterations ?? sizes.maxIterations,
  });
}
