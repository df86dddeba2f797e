import { createCpuBackend, evaluate } from '@elk/solvers';
import { median } from '../analysis/timing.ts';
import type { RunContext } from '../cli/run-context.ts';
import { FIG2, type Fig2Sizes, STOPPING_RULES, type StoppingRule } from '../defaults.ts';
import type { FigureResult, Row } from '../output/figure-result.ts';
import { formatBytes, formatNumber, formatSeconds } from '../output/table.ts';
import { costPlot } from './fig2-plots.ts';
import { gruProblems, maxAbsDifference } from './gru-problem.ts';
import { type MethodRun, runMethod } from './run-method.ts';

/** Above this many T·B·D² the f64 CPU reference (for the error column) is skipped as too slow. */
const F64_REFERENCE_LIMIT = 16 * 100_000 * 64;

/**
 * Fig. 2 of Lim et al. (DEER), extended: wall-clock time, iterations and peak memory of sequential, DEER,
 * quasi-DEER, ELK and quasi-ELK on a flax GRU (B = 16, f32) over D and T, each parallel method under both
 * stopping rules (the reference's fixed step tolerance, and the precision-aware rule), with each result's
 * max |difference| from the sequential evaluation on the same backend and from the f64 CPU sequential one.
 */
export async function runFig2(context: RunContext, sizes: Fig2Sizes): Promise<FigureResult> {
  const backend = await context.backend();
  const cpu = await context.cpu();
  const problems = gruProblems(context.options, sizes.batch, sizes.dims, sizes.lengths);
  const rules: StoppingRule[] = context.options.stopping ? [context.options.stopping] : [...STOPPING_RULES];
  const rows: Row[] = [];
  const totalCases = problems.length * sizes.methods.length * rules.length;
  context.progress.start('fig2', totalCases);
  for (const problem of problems) {
    const { cell, batch, length, dim, inputs, initialState } = problem;
    const denseElements = batch * length * dim * dim;
    const reference64 =
      batch * length * dim * dim <= F64_REFERENCE_LIMIT
        ? (
            await evaluate(cell, {
              inputs: Float64Array.from(inputs),
              initialState: Float64Array.from(initialState),
              batch,
              method: 'sequential',
              backend: cpu,
            })
          ).states
        : undefined;
    let sequentialStates: ArrayLike<number> | undefined;
    for (const method of sizes.methods) {
      for (const rule of method === 'sequential' ? [undefined] : rules) {
        context.progress.advance(
          method === 'sequential' ? rules.length : 1,
          `fig2 D=${dim} T=${length} ${method}`,
        );
        if (method === 'deer' && denseElements > sizes.denseElementLimit) continue;
        if (method === 'elk' && denseElements > sizes.elkElementLimit) continue;
        const runs: MethodRun[] = [];
        for (let repeat = 0; repeat < sizes.repeats; repeat++) {
          // On the CPU a fresh backend per run, so that arrays a backend keeps between sessions do not
          // blur the memory measurement.
          const solver = backend.kind === 'cpu' ? createCpuBackend() : backend.solver;
          runs.push(
            await runMethod(cell, {
              inputs,
              initialState,
              batch,
              method,
              backend: solver,
              maxIterations: sizes.maxIterations,
              ...(method === 'elk' ? { lambda: sizes.lambda.elk } : {}),
              ...(method === 'quasi-elk' ? { lambda: sizes.lambda.quasiElk } : {}),
              ...(rule === undefined ? {} : { stopping: rule }),
            }),
          );
          if (solver !== backend.solver) solver.destroy();
        }
        const last = runs[runs.length - 1];
        if (!last) continue;
        if (method === 'sequential') sequentialStates = last.states;
        const seconds = median(runs.map((run) => run.seconds));
        rows.push({
          D: dim,
          T: length,
          B: batch,
          method,
          stopping: rule ?? 'none',
          seconds,
          iterations: last.iterations,
          msPerIteration: method === 'sequential' ? null : (seconds * 1000) / Math.max(1, last.iterations),
          converged: last.converged,
          stopReasons: [...new Set(last.stopReasons)].join('|'),
          peakBytes: last.peakBytes,
          memorySource: last.memorySource,
          maxAbsDiffFromSequential: sequentialStates ? maxAbsDifference(last.states, sequentialStates) : null,
          maxAbsErrorVsF64: reference64 ? maxAbsDifference(last.states, reference64) : null,
        });
      }
    }
  }
  context.progress.stop();
  const first = problems[0];
  return {
    figure: 'fig2',
    notes: [
      `flax GRU (${first?.source.weights}), inputs ${first?.source.inputs}; f32 on ${backend.kind}${backend.adapter ? ` (${backend.adapter})` : ''}`,
      `time: median of ${sizes.repeats} wall-clock run(s) of evaluate(), including the read-back of the states`,
      backend.kind === 'cpu'
        ? 'memory on the CPU: high-water mark of ArrayBuffer memory above a collected baseline, sampled every iteration (includes the per-iteration trace read-back)'
        : 'memory: the peak bytes allocated that the WebGPU backend reports',
      `DEER (dense Jacobians, O(T·B·D²) memory) only where T·B·D² ≤ ${sizes.denseElementLimit}, ELK where ≤ ${sizes.elkElementLimit}; parallel methods capped at ${sizes.maxIterations} iterations`,
      'stopping: reference = max |step| ≤ 1e-4 as the paper code; precision-aware = also stop at the f32 rounding floor (issue 9)',
    ],
    parameters: { ...sizes, stoppingRules: rules, seed: context.options.seed, source: first?.source },
    tables: { cases: rows },
    plots: [
      costPlot(rows, 'seconds', 'wall-clock time (s)', 'time'),
      costPlot(rows, 'iterations', 'iterations', 'iterations'),
      costPlot(rows, 'peakBytes', 'peak memory (bytes)', 'memory'),
    ],
    summary: {
      title: `fig2: flax GRU, B = ${first?.batch ?? sizes.batch}, f32, ${backend.kind}`,
      columns: [
        'D',
        'T',
        'method',
        'stopping',
        'time',
        'iters',
        'ms/iter',
        'conv',
        'memory',
        '|Δ seq|',
        '|Δ f64|',
      ],
      rows: rows.map((row) => [
        String(row.D),
        String(row.T),
        String(row.method),
        String(row.stopping),
        formatSeconds(Number(row.seconds)),
        String(row.iterations),
        row.msPerIteration === null ? '–' : formatNumber(Number(row.msPerIteration)),
        row.converged ? 'yes' : 'no',
        formatBytes(row.peakBytes === null ? null : Number(row.peakBytes)),
        formatNumber(row.maxAbsDiffFromSequential === null ? null : Number(row.maxAbsDiffFromSequential), 2),
        formatNumber(row.maxAbsErrorVsF64 === null ? null : Number(row.maxAbsErrorVsF64), 2),
      ]),
    },
  };
}

/** `pnpm bench fig2`. */
export function runFig2Command(context: RunContext): Promise<FigureResult> {
  const sizes = context.options.full ? FIG2.full : FIG2.quick;
  return runFig2(context, {
    ...sizes,
    dims: context.options.dims ?? sizes.dims,
    lengths: context.options.lengths ?? sizes.lengths,
  });
}
