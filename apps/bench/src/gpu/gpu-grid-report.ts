import { readFileSync } from 'node:fs';
import { GPU_GRID } from '../defaults.ts';
import type { MachineInfo } from '../environment/machine.ts';
import type { FigureResult, Row } from '../output/figure-result.ts';
import { type ResultDocument, writeResults } from '../output/write-results.ts';
import { type CudnnCase, parseCudnnLines } from './cudnn-baseline.ts';
import { gpuGridResult, runRow } from './gpu-grid-result.ts';

/** What {@link reportGpuGrid} read from its files. */
export interface GpuGridRecords {
  runs: Record<string, unknown>[];
  /** Cases begun but never recorded (the run was stopped during them), as `D=… T=… method (file)`. */
  cutOff: string[];
  bandwidth: Row[];
  bandwidthNotes: string[];
  grid: Row[];
  cudnn: CudnnCase[];
}

function caseKey(row: Row): string {
  return `${row.D}:${row.T}:${row.method}`;
}

/** 2 for a measured case, 1 for a failed one, 0 for a skipped one: the better record of a case is kept. */
function caseRank(row: Row): number {
  if (row.seconds !== undefined) return 2;
  return row.failed !== undefined ? 1 : 0;
}

/**
 * Reads gpu-grid `partial.jsonl` files and cuDNN JSON-line files (lines without a `kind`, as the cuDNN script
 * prints them) in order. A case (D, T, method) found in several files keeps its best record (measured over
 * failed over skipped; the later file among equals); a cuDNN case, the later one.
 *
 * @example
 * ```ts
 * const records = readGpuGridRecords(['out/01/gpu-grid/partial.jsonl', 'out/cudnn.jsonl']);
 * ```
 */
export function readGpuGridRecords(files: readonly string[]): GpuGridRecords {
  const records: GpuGridRecords = {
    runs: [],
    cutOff: [],
    bandwidth: [],
    bandwidthNotes: [],
    grid: [],
    cudnn: [],
  };
  const cases = new Map<string, Row>();
  const cudnn = new Map<string, CudnnCase>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const entry of parseCudnnLines(text)) cudnn.set(`${entry.D}:${entry.T}`, entry);
    const begun = new Map<string, Row>();
    for (const line of text.split('\n')) {
      if (!line.trim().startsWith('{')) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        continue; // a line cut off when the run was stopped
      }
      if (typeof parsed !== 'object' || parsed === null || !('kind' in parsed)) continue;
      const { kind, ...rest } = parsed as Record<string, unknown>;
      const row = rest as Row;
      if (kind === 'run') records.runs.push(rest);
      else if (kind === 'cudnn' && typeof rest.D === 'number' && typeof rest.T === 'number') {
        const seconds = Number(rest.seconds);
        cudnn.set(`${rest.D}:${rest.T}`, {
          D: rest.D,
          T: rest.T,
          B: typeof rest.B === 'number' ? rest.B : 16,
          seconds,
          implementation: String(rest.implementation ?? 'cuDNN'),
        });
      } else if (kind === 'bandwidth') records.bandwidth.push(row);
      else if (kind === 'bandwidth-notes' && Array.isArray(rest.notes))
        records.bandwidthNotes.push(...rest.notes.map(String));
      else if (kind === 'case-start') begun.set(caseKey(row), row);
      else if (kind === 'grid') {
        begun.delete(caseKey(row));
        const previous = cases.get(caseKey(row));
        if (previous === undefined || caseRank(row) >= caseRank(previous)) cases.set(caseKey(row), row);
      }
    }
    for (const row of begun.values())
      records.cutOff.push(
        `D=${row.D} T=${row.T} ${row.method} (begun at ${Number(row.atSeconds).toFixed(0)} s, ${file})`,
      );
  }
  const order = (row: Row) => {
    const index = (GPU_GRID.full.methods as readonly unknown[]).indexOf(row.method);
    return index < 0 ? GPU_GRID.full.methods.length : index;
  };
  records.grid = [...cases.values()].sort(
    (x, y) => Number(x.D) - Number(y.D) || Number(x.T) - Number(y.T) || order(x) - order(y),
  );
  records.cudnn = [...cudnn.values()];
  return records;
}

const unknownMachine: MachineInfo = {
  platform: 'unknown',
  arch: 'unknown',
  cpuModel: 'not recorded by this run',
  cpuCount: 0,
  totalMemoryBytes: 0,
  node: 'not recorded',
  loadPerCore: 0,
};

/**
 * Reports gpu-grid runs — finished, cut short, or split over several calls — from their `partial.jsonl`
 * files (and cuDNN JSON-line files): writes gpu-grid.json, the CSVs and plots to `directory`, exactly as a
 * finished run would, with every run's machine and commit in the notes.
 *
 * @example
 * ```ts
 * const { result } = await reportGpuGrid(['out/01/gpu-grid/partial.jsonl'], 'out/report');
 * ```
 */
export async function reportGpuGrid(
  files: readonly string[],
  directory: string,
): Promise<{ result: FigureResult; document: ResultDocument }> {
  const records = readGpuGridRecords(files);
  const first = records.runs[0] ?? {};
  const adapter = typeof first.adapter === 'string' ? first.adapter : 'adapter not recorded';
  const full = GPU_GRID.full;
  const expected = full.dims.length * full.lengths.length * full.methods.length;
  const measured = records.grid.filter((row) => row.seconds !== undefined).length;
  const result = gpuGridResult(
    { ...records, adapter, runs: records.runs.map(runRow) },
    {
      ...full,
      dims: [...new Set(records.grid.map((row) => Number(row.D)))],
      lengths: [...new Set(records.grid.map((row) => Number(row.T)))],
    },
    { seed: first.seed ?? 0, reportedFrom: files },
    [
      `reported from ${files.length} file(s): ${measured} measured cases (the full grid has ${expected}), ${records.grid.length - measured} skipped or failed`,
      ...records.cutOff.map((entry) => `cut off while running (no result): ${entry}`),
    ],
  );
  const versions = first.versions as { packages: Record<string, string>; commit: string | null } | undefined;
  const document = await writeResults(directory, result, {
    commandLine: Array.isArray(first.commandLine) ? first.commandLine.map(String) : [],
    seed: typeof first.seed === 'number' ? first.seed : 0,
    full: true,
    machine: (first.machine as MachineInfo | undefined) ?? unknownMachine,
    backend: { kind: 'webgpu', adapter },
    versions: versions ?? { packages: {}, commit: null },
  });
  return { result, document };
}
