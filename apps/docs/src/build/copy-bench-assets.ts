/**
 * Brings apps/bench's output into the site: the figures' SVG, PNG and JSON under `public/generated/figures/`,
 * a gallery page fragment (`content/figures/generated.md`) that says for each figure either what was measured
 * and by which command, or how to make it; and the trained AR-GRU for the live demo.
 *
 * @module
 */

import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { type FigureEntry, figureCatalog } from './figure-catalog.ts';
import {
  benchResultsDirectory,
  generatedFiguresPage,
  generatedPublicDirectory,
  trainedArGruFile,
} from './paths.ts';

/** What a results folder holds, read from its `<figure>.json` (fields written by apps/bench). */
export interface FigureRun {
  /** The folder, relative to apps/bench/results (e.g. `'fig2'` or `'h200/gpu-grid'`). */
  readonly folder: string;
  readonly commandLine: string | null;
  readonly backend: string | null;
  readonly createdAt: string | null;
  readonly notes: string[];
  readonly summary: { title: string; columns: string[]; rows: string[][] } | null;
  /** Plot names that have an SVG or a PNG. */
  readonly plots: { name: string; file: string }[];
  readonly json: string | null;
}

/** The URL path under which the copied figures are served. */
export const figuresUrl = '/generated/figures';
/** The URL of the trained AR-GRU when the bench has produced it. */
export const trainedArGruUrl = '/generated/models/argru-sine.safetensors';
/** The URL of the manifest that tells the demo which optional files this build has (always written). */
export const manifestUrl = '/generated/manifest.json';

/** The manifest's content. */
export interface SiteManifest {
  /** The URL of the trained AR-GRU's safetensors, or `null` when the bench has not produced it. */
  readonly trainedArGru: string | null;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function parseSummary(value: unknown): FigureRun['summary'] {
  if (!isRecord(value) || typeof value['title'] !== 'string' || !Array.isArray(value['rows'])) return null;
  return {
    title: value['title'],
    columns: stringArray(value['columns']),
    rows: value['rows'].map(stringArray),
  };
}

/** Reads one results folder; `null` when it holds no figure. */
export async function readFigureRun(root: string, folder: string, name: string): Promise<FigureRun | null> {
  const directory = join(root, folder);
  const files = await readdir(directory);
  const jsonFile = files.includes(`${name}.json`) ? `${name}.json` : null;
  let document: Record<string, unknown> = {};
  if (jsonFile) {
    const parsed: unknown = JSON.parse(await readFile(join(directory, jsonFile), 'utf8'));
    if (isRecord(parsed)) document = parsed;
  }
  const pictures = files.filter((f) => f.endsWith('.svg') || f.endsWith('.png')).sort();
  const plots: FigureRun['plots'] = [];
  for (const file of pictures) {
    const plotName = file.replace(/\.(svg|png)$/, '');
    if (plots.some((p) => p.name === plotName)) continue;
    const svg = `${plotName}.svg`;
    plots.push({ name: plotName, file: pictures.includes(svg) ? svg : file });
  }
  if (!jsonFile && plots.length === 0) return null;
  const backend = isRecord(document['backend']) ? document['backend'] : null;
  const commandLine = stringArray(document['commandLine']);
  return {
    folder,
    commandLine: commandLine.length > 0 ? readableCommand(commandLine) : null,
    backend: backend
      ? [backend['kind'], backend['adapter']].filter((v) => typeof v === 'string').join(', ')
      : null,
    createdAt: typeof document['createdAt'] === 'string' ? document['createdAt'] : null,
    notes: stringArray(document['notes']),
    summary: parseSummary(document['summary']),
    plots,
    json: jsonFile,
  };
}

/**
 * The command a reader would type: `pnpm bench <arguments>` when the recorded command line is the bench's CLI
 * run by Node (`[node, …/cli.ts, …arguments]`), else the recorded words.
 */
export function readableCommand(words: readonly string[]): string {
  const cli = words.findIndex((word) => /(^|\/)cli\.[cm]?[jt]s$/.test(word));
  return cli >= 0 ? ['pnpm bench', ...words.slice(cli + 1)].join(' ') : words.join(' ');
}

/** The results folders of one figure: `results/<name>/` and `results/<anything>/<name>/`. */
async function findRuns(entry: FigureEntry): Promise<FigureRun[]> {
  if (!(await exists(benchResultsDirectory))) return [];
  const runs: FigureRun[] = [];
  const candidates = [entry.name];
  for (const child of await readdir(benchResultsDirectory, { withFileTypes: true })) {
    if (child.isDirectory() && child.name !== entry.name) candidates.push(join(child.name, entry.name));
  }
  for (const folder of candidates) {
    const directory = join(benchResultsDirectory, folder);
    if (!(await exists(directory)) || !(await stat(directory)).isDirectory()) continue;
    const run = await readFigureRun(benchResultsDirectory, folder, entry.name);
    if (run) runs.push(run);
  }
  return runs;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** The Markdown of one figure: its runs, or how to make it. */
export function figureMarkdown(entry: FigureEntry, runs: readonly FigureRun[]): string {
  const lines = [`## ${entry.title}`, '', entry.description, ''];
  if (runs.length === 0) {
    lines.push(
      '::: info Not generated in this build',
      `Run \`${entry.command}\` from the repository root${entry.fullCommand ? ` (\`${entry.fullCommand}\` for the paper's sizes)` : ''}, then rebuild the site with \`pnpm --filter docs build\`: the build copies \`apps/bench/results/${entry.name}/\` here.`,
      ':::',
      '',
    );
    return lines.join('\n');
  }
  for (const run of runs) {
    const base = `${figuresUrl}/${run.folder}`;
    if (runs.length > 1) lines.push(`### \`results/${run.folder}\``, '');
    const made =
      run.commandLine === null
        ? `\`${entry.command}\``
        : run.commandLine === 'pnpm bench'
          ? `\`pnpm bench\` (the quick version of every figure; this one alone: \`${entry.command}\`)`
          : `\`${run.commandLine}\``;
    const where = [run.backend, run.createdAt?.slice(0, 10)].filter(Boolean).join(', ');
    lines.push(`Made by ${made}${where ? ` (${where})` : ''}.`, '');
    for (const plot of run.plots) lines.push(`![${entry.name}: ${plot.name}](${base}/${plot.file})`, '');
    if (run.notes.length > 0) lines.push(...run.notes.map((note) => `- ${note}`), '');
    if (run.summary && run.summary.columns.length > 0) {
      lines.push(`**${cell(run.summary.title)}**`, '');
      lines.push(`| ${run.summary.columns.map(cell).join(' | ')} |`);
      lines.push(`|${run.summary.columns.map(() => '---').join('|')}|`);
      for (const row of run.summary.rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
      lines.push('');
    }
    if (run.json)
      lines.push(`Every number, with the machine and versions: [${run.json}](${base}/${run.json}).`, '');
  }
  return lines.join('\n');
}

async function copyRun(run: FigureRun): Promise<number> {
  const target = join(generatedPublicDirectory, 'figures', run.folder);
  await mkdir(target, { recursive: true });
  const files = [...run.plots.map((p) => p.file), ...(run.json ? [run.json] : [])];
  for (const file of files) await copyFile(join(benchResultsDirectory, run.folder, file), join(target, file));
  return files.length;
}

/** Copies the bench's figures and model into the site and writes the gallery fragment. */
export async function copyBenchAssets(): Promise<{ figures: number; trainedArGru: boolean }> {
  await rm(generatedPublicDirectory, { recursive: true, force: true });
  await mkdir(generatedPublicDirectory, { recursive: true });
  let figures = 0;
  const sections: string[] = [];
  for (const entry of figureCatalog) {
    const runs = await findRuns(entry);
    for (const run of runs) figures += await copyRun(run);
    sections.push(figureMarkdown(entry, runs));
  }
  await mkdir(dirname(generatedFiguresPage), { recursive: true });
  const source = relative(dirname(generatedFiguresPage), benchResultsDirectory);
  await writeFile(
    generatedFiguresPage,
    `<!-- Generated by src/build/copy-bench-assets.ts from ${source}; do not edit. -->\n\n${sections.join('\n')}`,
  );
  const trainedArGru = await exists(trainedArGruFile);
  if (trainedArGru) {
    await mkdir(join(generatedPublicDirectory, 'models'), { recursive: true });
    await copyFile(trainedArGruFile, join(generatedPublicDirectory, 'models', 'argru-sine.safetensors'));
  }
  const manifest: SiteManifest = { trainedArGru: trainedArGru ? trainedArGruUrl : null };
  await writeFile(join(generatedPublicDirectory, 'manifest.json'), `${JSON.stringify(manifest)}\n`);
  return { figures, trainedArGru };
}
