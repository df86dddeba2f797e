/**
 * Reports a gpu-grid run from its `partial.jsonl` (e.g. one cut short by a time limit on the GPU host):
 * writes gpu-grid.json, the CSVs and plots to DIRECTORY and prints the table, exactly as a finished run would.
 *
 *   tsx scripts/gpu-grid-report.ts PARTIAL.jsonl DIRECTORY ["command line, when the file does not record it"]
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { GPU_GRID } from '../src/defaults.ts';
import type { MachineInfo } from '../src/environment/machine.ts';
import type { CudnnCase } from '../src/gpu/cudnn-baseline.ts';
import { gpuGridResult } from '../src/gpu/gpu-grid.ts';
import type { Row } from '../src/output/figure-result.ts';
import { formatTable } from '../src/output/table.ts';
import { writeResults } from '../src/output/write-results.ts';

const [partialPath, directory, commandText] = process.argv.slice(2);
if (!partialPath || !directory) {
  process.stderr.write('usage: tsx scripts/gpu-grid-report.ts PARTIAL.jsonl DIRECTORY [COMMAND]\n');
  process.exit(2);
}
const lines = readFileSync(partialPath, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '');
const records = lines.map((line) => JSON.parse(line) as Record<string, unknown> & { kind: string });
const strip = (record: Record<string, unknown>): Row => {
  const { kind: _kind, ...rest } = record;
  return rest as Row;
};
const run = records.find((record) => record.kind === 'run');
const bandwidth = records.filter((record) => record.kind === 'bandwidth').map(strip);
const grid = records.filter((record) => record.kind === 'grid').map(strip);
const cudnn = records
  .filter((record) => record.kind === 'cudnn')
  .map((record) => strip(record) as unknown as CudnnCase);
const bandwidthNotes = records
  .filter((record) => record.kind === 'bandwidth-notes')
  .flatMap((record) => (Array.isArray(record.notes) ? record.notes.map(String) : []));
const adapter = typeof run?.adapter === 'string' ? run.adapter : 'NVIDIA H200 (Vulkan, dawn.node)';
const expected = GPU_GRID.full.dims.length * GPU_GRID.full.lengths.length * GPU_GRID.full.methods.length;
const result = gpuGridResult(
  { adapter, bandwidth, bandwidthNotes, grid, cudnn },
  {
    ...GPU_GRID.full,
    dims: [...new Set(grid.map((row) => Number(row.D)))],
    lengths: [...new Set(grid.map((row) => Number(row.T)))],
  },
  { seed: run?.seed ?? 0, reportedFrom: 'partial.jsonl' },
  [
    `reported from partial.jsonl: ${grid.length} of the full grid's ${expected} cases were measured before the run stopped`,
  ],
);
const unknownMachine: MachineInfo = {
  platform: 'linux',
  arch: 'x64',
  cpuModel: 'not recorded by this run',
  cpuCount: 0,
  totalMemoryBytes: 0,
  node: 'not recorded',
  loadPerCore: 0,
};
const document = await writeResults(directory, result, {
  commandLine: Array.isArray(run?.commandLine) ? run.commandLine.map(String) : (commandText ?? '').split(' '),
  seed: typeof run?.seed === 'number' ? run.seed : 0,
  full: true,
  machine: (run?.machine as MachineInfo | undefined) ?? unknownMachine,
  backend: { kind: 'webgpu', adapter },
  versions: (run?.versions as { packages: Record<string, string>; commit: string | null } | undefined) ?? {
    packages: {},
    commit: null,
  },
});
process.stdout.write(`${formatTable(result.summary)}\n`);
for (const note of result.notes) process.stdout.write(`  note: ${note}\n`);
process.stdout.write(`  wrote ${directory}/{${document.files.join(',')}}\n`);
