import type { TopLevelSpec } from 'vega-lite';

/** One cell of a result table: numbers stay numbers (non-finite ones are written as null in JSON). */
export type Value = number | string | boolean | null;

/** A flat table: one record per measured point. Each table is also written as `<name>.csv`. */
export type Row = Record<string, Value>;

/** A Vega-Lite plot, written as `<name>.svg` and `<name>.png`. */
export interface Plot {
  name: string;
  spec: TopLevelSpec;
}

/** The printed summary: a header and rows of already formatted cells. */
export interface Summary {
  title: string;
  columns: string[];
  rows: string[][];
}

/** What a figure returns; {@link writeResults} turns it into files and the printed table. */
export interface FigureResult {
  figure: string;
  /** What the figure shows and how it was computed (precision, backend, caveats); printed and stored. */
  notes: string[];
  /** The sizes and settings used. */
  parameters: Record<string, unknown>;
  /** Named tables of every number measured. */
  tables: Record<string, Row[]>;
  plots: Plot[];
  summary: Summary;
  /** The backend the numbers come from, when not the context's (e.g. the f64 CPU path of Fig. 4). */
  backend?: { kind: 'cpu' | 'webgpu'; adapter: string | null };
}
