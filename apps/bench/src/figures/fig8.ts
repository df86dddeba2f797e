import { lorenz96 } from '@elk/cells';
import { evaluate } from '@elk/solvers';
import { createRandom } from '../analysis/random.ts';
import { median } from '../analysis/timing.ts';
import type { RunContext } from '../cli/run-context.ts';
import { FIG8, type Fig8Sizes, type Method } from '../defaults.ts';
import type { FigureResult, Row } from '../output/figure-result.ts';
import { logFloorTransform } from '../output/plot.ts';
import { formatNumber, formatSeconds } from '../output/table.ts';
import { iterationCurve } from './iteration-curves.ts';
import { meanAbsoluteDeviation } from './mean-absolute-deviation.ts';

/**
 * Fig. 8 of Gonzalez et al. (ELK): Lorenz-96 (D = 5, F = 8, one Dormand–Prince 5(4) step of dt = 0.01 per
 * transition). Initial states come from a sequential burn-in from x = F + N(0, 0.01²) perturbations; then
 * each method evaluates the trajectories in parallel, and the MAD over all channels from the sequential
 * trajectories is recorded per iteration; plus a λ sweep of ELK and quasi-ELK. f64 on the CPU (chaotic
 * dynamics amplify f32 rounding as the AR-GRU does).
 */
export async function runFig8(context: RunContext, sizes: Fig8Sizes): Promise<FigureResult> {
  const cpu = await context.cpu();
  const cell = lorenz96({ dim: sizes.dim, forcing: sizes.forcing, dt: sizes.dt, integrator: 'dopri5' });
  const B = sizes.trajectories;
  const D = sizes.dim;
  const random = createRandom(context.options.seed + 8);
  const start = new Float64Array(B * D);
  for (let i = 0; i < start.length; i++) start[i] = sizes.forcing + 0.01 * random.normal();
  const burnIn = await evaluate(cell, {
    inputs: new Float64Array(0),
    initialState: start,
    batch: B,
    length: sizes.burnIn,
    method: 'sequential',
    backend: cpu,
  });
  const initialState = new Float64Array(B * D);
  for (let b = 0; b < B; b++) {
    const last = (b * sizes.burnIn + sizes.burnIn - 1) * D;
    initialState.set(burnIn.states.subarray(last, last + D), b * D);
  }
  const inputs = new Float64Array(0);
  const sequential = await evaluate(cell, {
    inputs,
    initialState,
    batch: B,
    length: sizes.length,
    method: 'sequential',
    backend: cpu,
  });
  const methods: { method: Method; label: string; lambda?: number }[] = [
    { method: 'jacobi', label: 'Jacobi' },
    { method: 'deer', label: 'DEER' },
    { method: 'quasi-deer', label: 'quasi-DEER' },
    { method: 'elk', label: `ELK (λ=${sizes.lambda.elk})`, lambda: sizes.lambda.elk },
    { method: 'quasi-elk', label: `quasi-ELK (λ=${sizes.lambda.quasiElk})`, lambda: sizes.lambda.quasiElk },
  ];
  const curves: Row[] = [];
  const runs: Row[] = [];
  const sweep: Row[] = [];
  context.progress.start('fig8', methods.length + 2 * sizes.sweep.length);
  for (const { method, label, lambda } of methods) {
    context.progress.advance(1, `fig8 ${label}`);
    const curve = await iterationCurve({
      cell,
      inputs,
      initialState,
      batch: B,
      length: sizes.length,
      method,
      backend: cpu,
      maxIterations: sizes.maxIterations,
      sequential: sequential.states,
      ...(lambda === undefined ? {} : { lambda, estimator: sizes.estimator }),
    });
    curve.mad.forEach((mad, iteration) => {
      curves.push({ method: label, iteration, mad });
    });
    runs.push({
      method: label,
      iterations: curve.iterations,
      converged: curve.converged,
      finalMad: curve.mad[curve.mad.length - 1] ?? Number.NaN,
      largestMagnitude: curve.largestMagnitude,
      seconds: curve.seconds,
    });
  }
  for (const method of ['elk', 'quasi-elk'] as const) {
    for (const lambda of sizes.sweep) {
      context.progress.advance(1, `fig8 ${method} λ=${lambda.toExponential(0)}`);
      const result = await evaluate(cell, {
        inputs,
        initialState,
        batch: B,
        length: sizes.length,
        method,
        lambda,
        estimator: sizes.estimator,
        backend: cpu,
        maxIterations: sizes.maxIterations,
      });
      sweep.push({
        method,
        lambda,
        iterations: result.iterations,
        medianIterations: median([...result.perSequence.iterations]),
        converged: result.converged,
        finalMad: meanAbsoluteDeviation(result.states, sequential.states, D),
      });
    }
  }
  context.progress.stop();
  return {
    figure: 'fig8',
    backend: { kind: 'cpu', adapter: null },
    notes: [
      `Lorenz-96 D = ${D}, F = ${sizes.forcing}, dt = ${sizes.dt}, one Dopri5 step per transition; ${B} trajectories of ${sizes.length} after a ${sizes.burnIn}-step sequential burn-in; f64 on the CPU`,
      `MAD over all channels and trajectories; cap ${sizes.maxIterations} iterations; tolerance 1e-7 on the step; the paper's λ: ELK ${sizes.lambda.elk}, quasi-ELK ${sizes.lambda.quasiElk}; ELK's estimator: the Kalman ${sizes.estimator}`,
    ],
    parameters: { ...sizes, seed: context.options.seed, precision: 'f64' },
    tables: { curves, runs, sweep },
    plots: [
      {
        name: 'mad',
        spec: {
          title: 'Fig. 8: Lorenz-96, MAD from the sequential trajectories vs iteration (f64, CPU)',
          data: { values: curves },
          transform: [logFloorTransform('mad', 'plotted')],
          width: 480,
          height: 280,
          mark: { type: 'line', clip: true },
          encoding: {
            x: { field: 'iteration', type: 'quantitative' },
            y: { field: 'plotted', type: 'quantitative', scale: { type: 'log' }, title: 'MAD' },
            color: { field: 'method', type: 'nominal' },
          },
        },
      },
      {
        name: 'lambda-sweep',
        spec: {
          title: 'Fig. 8: iterations to convergence over λ (all trajectories)',
          data: { values: sweep },
          width: 420,
          height: 240,
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'lambda', type: 'quantitative', scale: { type: 'log' }, title: 'λ' },
            y: {
              field: 'iterations',
              type: 'quantitative',
              scale: { type: 'log' },
              title: 'iterations (batch max)',
            },
            color: { field: 'method', type: 'nominal' },
          },
        },
      },
    ],
    summary: {
      title: `fig8: Lorenz-96, ${B} × T = ${sizes.length}, f64 CPU`,
      columns: ['method', 'iterations', 'converged', 'final MAD', 'max |state|', 'time'],
      rows: runs.map((row) => [
        String(row.method),
        String(row.iterations),
        row.converged ? 'yes' : 'no',
        formatNumber(Number(row.finalMad), 2),
        formatNumber(Number(row.largestMagnitude), 2),
        formatSeconds(Number(row.seconds)),
      ]),
    },
  };
}

/** `pnpm bench fig8`. */
export function runFig8Command(context: RunContext): Promise<FigureResult> {
  return runFig8(context, context.options.full ? FIG8.full : FIG8.quick);
}
