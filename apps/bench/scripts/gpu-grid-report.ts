/**
 * Reports gpu-grid runs from their `partial.jsonl` files (e.g. runs cut short by a time limit, or the steps of
 * `h200-round.sh`) and cuDNN JSON-line files: writes gpu-grid.json, the CSVs and plots to DIRECTORY and
 * prints the table, exactly as a finished run would.
 *
 *   tsx scripts/gpu-grid-report.ts DIRECTORY FILE.jsonl...
 *
 * @module
 */
import { reportGpuGrid } from '../src/gpu/gpu-grid-report.ts';
import { formatTable } from '../src/output/table.ts';

const [directory, ...files] = process.argv.slice(2);
if (!directory || files.length === 0) {
  process.stderr.write('usage: gpu-grid-report DIRECTORY PARTIAL.jsonl [MORE.jsonl ...]\n');
  process.exit(2);
}
const { result, document } = await reportGpuGrid(files, directory);
process.stdout.write(`${formatTable(result.summary)}\n`);
for (const note of result.notes) process.stdout.write(`  note: ${note}\n`);
process.stdout.write(`  wrote ${directory}/{${document.files.join(',')}}\n`);
