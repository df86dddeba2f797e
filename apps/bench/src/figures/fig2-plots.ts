import type { Plot, Row } from '../output/figure-result.ts';
import { logFloorTransform } from '../output/plot.ts';

/**
 * A log-log plot of `field` against T, one panel per D, a line per method (dashed for the reference
 * stopping rule) — the layout of the DEER paper's Fig. 2.
 */
export function costPlot(rows: readonly Row[], field: string, title: string, name: string): Plot {
  const values = rows.filter((row) => typeof row[field] === 'number');
  return {
    name,
    spec: {
      title: `Fig. 2: ${title} vs sequence length`,
      data: { values },
      transform: [logFloorTransform(field, 'plotted')],
      facet: { column: { field: 'D', type: 'ordinal', title: 'state size D' } },
      spec: {
        width: 220,
        height: 200,
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'T', type: 'quantitative', scale: { type: 'log' }, title: 'T' },
          y: { field: 'plotted', type: 'quantitative', scale: { type: 'log' }, title },
          color: { field: 'method', type: 'nominal' },
          strokeDash: { field: 'stopping', type: 'nominal', title: 'stopping rule' },
          shape: { field: 'stopping', type: 'nominal', title: 'stopping rule' },
          detail: { field: 'stopping', type: 'nominal' },
        },
      },
    },
  };
}
