import { evaluate } from '@elk/solvers';
import { median } from '../analysis/timing.ts';
import type { RunContext } from '../cli/run-context.ts';
import { FIG7, type Fig7Sizes, TOLERANCE } from '../defaults.ts';
import type { FigureResult, Row } from '../output/figure-result.ts';
import { logFloorTransform } from '../output/plot.ts';
import { formatNumber } from '../output/table.ts';
import { argruProblem } from './argru-problem.ts';
import { meanAbsoluteDeviation } from './mean-absolute-deviation.ts';

/**
 * Fig. 7 of Gonzalez et al. (ELK): the λ sweep on the trained AR-GRU. For ELK and quasi-ELK and each
 * λ ∈ {1e-8 … 1}, over several driver seeds: the iterations to the step tolerance (1e-7 in f64) and the
 * final MAD of the output channel from the sequential sample. f64 on the CPU backend (see fig4).
 */
export async function runFig7(context: RunContext, sizes: Fig7Sizes): Promise<FigureResult> {
  const cpu = await context.cpu();
  const rows: Row[] = [];
  const methods = ['elk', 'quasi-elk'] as const;
  context.progress.start('fig7', sizes.seeds * methods.length * sizes.lambdas.length);
  let weights = '';
  for (let seed = 0; seed < sizes.seeds; seed++) {
    const problem = argruProblem(context, true, sizes.length, context.options.seed + 100 + seed);
    weights = problem.weights;
    const sequential = await evaluate(problem.cell, {
      inputs: problem.inputs,
      initialState: problem.initialState,
      batch: 1,
      method: 'sequential',
      backend: cpu,
    });
    for (const method of methods) {
      for (const lambda of sizes.lambdas) {
        context.progress.advance(1, `fig7 ${method} λ=${lambda.toExponential(0)}`);
        const started = performance.now();
        const result = await evaluate(problem.cell, {
          inputs: problem.inputs,
          initialState: problem.initialState,
          batch: 1,
          method,
          lambda,
          estimator: sizes.estimator,
          backend: cpu,
          maxIterations: sizes.maxIterations,
        });
        rows.push({
          method,
          lambda,
          seed: context.options.seed + 100 + seed,
          iterations: result.iterations,
          converged: result.converged,
          finalMad: meanAbsoluteDeviation(result.states, sequential.states, problem.cell.stateSize, 0),
          seconds: (performance.now() - started) / 1000,
        });
      }
    }
  }
  context.progress.stop();
  const summaryRows = methods.flatMap((method) =>
    sizes.lambdas.map((lambda) => {
      const cases = rows.filter((row) => row.method === method && row.lambda === lambda);
      return [
        method,
        lambda.toExponential(0),
        formatNumber(median(cases.map((row) => Number(row.iterations)))),
        `${cases.filter((row) => row.converged).length}/${cases.length}`,
        formatNumber(median(cases.map((row) => Number(row.finalMad))), 2),
      ];
    }),
  );
  const panel = (field: string, title: string, log: boolean) => ({
    width: 300,
    height: 220,
    mark: { type: 'line' as const, point: true },
    transform: [logFloorTransform(field, 'plotted')],
    encoding: {
      x: { field: 'lambda', type: 'quantitative' as const, scale: { type: 'log' as const }, title: 'λ' },
      y: {
        aggregate: 'median' as const,
        field: 'plotted',
        type: 'quantitative' as const,
        scale: { type: log ? ('log' as const) : ('linear' as const) },
        title: `${title} (median over seeds)`,
      },
      color: { field: 'method', type: 'nominal' as const },
    },
  });
  return {
    figure: 'fig7',
    backend: { kind: 'cpu', adapter: null },
    notes: [
      `trained AR-GRU (${weights}), T = ${sizes.length}, ${sizes.seeds} driver seeds, f64 on the CPU; tolerance ${TOLERANCE.f64} on the step; cap ${sizes.maxIterations} iterations; ELK's estimator: the Kalman ${sizes.estimator}`,
      'finalMad: mean |x_t − x_t(sequential)| of the output channel at the end (small λ: DEER-like, unstable; large λ: small safe steps)',
    ],
    parameters: { ...sizes, seed: context.options.seed, weights, precision: 'f64' },
    tables: { sweep: rows },
    plots: [
      {
        name: 'lambda-sweep',
        spec: {
          title: 'Fig. 7: ELK and quasi-ELK on the trained AR-GRU over λ',
          data: { values: rows },
          hconcat: [panel('iterations', 'iterations', true), panel('finalMad', 'final MAD', true)],
        },
      },
    ],
    summary: {
      title: `fig7: λ sweep on the trained AR-GRU, T = ${sizes.length}, f64 CPU`,
      columns: ['method', 'λ', 'iterations (median)', 'converged', 'final MAD (median)'],
      rows: summaryRows,
    },
  };
}

/** `pnpm bench fig7`. */
export function runFig7Command(context: RunContext): Promise<FigureResult> {
  return runFig7(context, context.options.full ? FIG7.full : FIG7.quick);
}
