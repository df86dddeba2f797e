import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MachineInfo } from '../environment/machine.ts';
import { toCsv } from './csv.ts';
import type { FigureResult } from './figure-result.ts';
import { renderPlot } from './plot.ts';

/** Where and on what a result was measured; stored beside every number. */
export interface RunRecord {
  commandLine: string[];
  seed: number;
  full: boolean;
  machine: MachineInfo;
  backend: { kind: 'cpu' | 'webgpu'; adapter: string | null };
  versions: { packages: Record<string, string>; commit: string | null };
}

/** The JSON document written for a figure: the run record plus the figure's result and its file names. */
export interface ResultDocument extends RunRecord, Omit<FigureResult, 'backend'> {
  createdAt: string;
  files: string[];
}

/**
 * Writes a figure's result to `directory`: `<figure>.json` (every number and the run record), one CSV per
 * table, and an SVG + PNG per plot. Returns the document written.
 *
 * @example
 * ```ts
 * const document = await writeResults('results/fig2', result, record);
 * document.files; // ['fig2.json', 'cases.csv', 'time.svg', 'time.png', ...]
 * ```
 */
export async function writeResults(
  directory: string,
  result: FigureResult,
  record: RunRecord,
): Promise<ResultDocument> {
  await mkdir(directory, { recursive: true });
  const files: string[] = [];
  for (const [name, rows] of Object.entries(result.tables)) {
    const file = `${name}.csv`;
    await writeFile(join(directory, file), toCsv(rows));
    files.push(file);
  }
  for (const plot of result.plots) {
    const { svg, png } = await renderPlot(plot.spec);
    await writeFile(join(directory, `${plot.name}.svg`), svg);
    files.push(`${plot.name}.svg`);
    if (png) {
      await writeFile(join(directory, `${plot.name}.png`), png);
      files.push(`${plot.name}.png`);
    }
  }
  const jsonFile = `${result.figure}.json`;
  files.unshift(jsonFile);
  const document: ResultDocument = { createdAt: new Date().toISOString(), ...record, ...result, files };
  await writeFile(join(directory, jsonFile), `${JSON.stringify(document)}\n`);
  return document;
}
