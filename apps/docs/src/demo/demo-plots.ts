/**
 * The demo's two Vega-Lite plots: error against iteration (log scale) and the trajectory against the
 * sequential one.
 *
 * @module
 */

import type { TopLevelSpec } from 'vega-lite';
import type { DemoResult } from './run-demo.ts';

/** The smallest error the log-scale plot shows; exact zeros are drawn there. */
export const errorPlotFloor = 1e-16;

/** The error plot's rows: one per iteration, errors clamped to {@link errorPlotFloor}, non-finite as null. */
export function errorPlotData(result: DemoResult): { iteration: number; error: number | null }[] {
  return result.errorByIteration.map((error, iteration) => ({
    iteration,
    error: Number.isFinite(error) ? Math.max(error, errorPlotFloor) : null,
  }));
}

/** The trajectory plot's rows: two per sampled step, the sequential and the parallel answer. */
export function trajectoryPlotData(result: DemoResult): { t: number; value: number; answer: string }[] {
  return result.trajectory.flatMap((point) => [
    { t: point.t, value: point.sequential, answer: 'sequential (CPU, f64)' },
    { t: point.t, value: point.parallel, answer: `${result.method} (parallel)` },
  ]);
}

/** max |s^(i) − s^seq| against the iteration i, on a log scale. */
export function errorPlotSpec(result: DemoResult): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Error against the sequential answer',
    width: 'container',
    height: 220,
    data: { values: errorPlotData(result) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'iteration', type: 'quantitative', title: 'iteration' },
      y: { field: 'error', type: 'quantitative', scale: { type: 'log' }, title: 'max |s − s_sequential|' },
    },
  };
}

/** State component 0 of the parallel and the sequential answers against t. */
export function trajectoryPlotSpec(result: DemoResult): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Trajectory, state component 0',
    width: 'container',
    height: 220,
    data: { values: trajectoryPlotData(result) },
    mark: { type: 'line' },
    encoding: {
      x: { field: 't', type: 'quantitative', title: 't' },
      y: { field: 'value', type: 'quantitative', title: 's_t[0]' },
      color: { field: 'answer', type: 'nominal', title: null, legend: { orient: 'bottom' } },
      strokeDash: { field: 'answer', type: 'nominal', legend: null },
    },
  };
}
