import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCpuBackend } from '@elk/solvers';
import { type BenchOptions, parseOptions } from '../../src/cli/options.ts';
import type { RunContext } from '../../src/cli/run-context.ts';
import { describeMachine } from '../../src/environment/machine.ts';
import type { FigureResult } from '../../src/output/figure-result.ts';
import { createProgress } from '../../src/output/progress.ts';
import { type ResultDocument, writeResults } from '../../src/output/write-results.ts';

/** apps/bench. */
export const benchRoot = fileURLToPath(new URL('../..', import.meta.url));

/** A CPU run context for tests (silent, fresh output directory). */
export function testContext(argv: string[] = []): RunContext & { out: string } {
  const out = mkdtempSync(join(tmpdir(), 'elk-bench-'));
  const options: BenchOptions = parseOptions([...argv, '--backend', 'cpu', '--out', out]);
  const cpu = createCpuBackend();
  return {
    out,
    options,
    benchRoot,
    backend: async () => ({
      kind: 'cpu',
      solver: cpu,
      webgpu: null,
      adapter: null,
      gpu: null,
      fallbackReason: null,
    }),
    cpu: async () => cpu,
    progress: createProgress(true),
    log: () => {},
  };
}

/** Writes a result like the CLI does and reads the JSON back. */
export async function writeAndRead(
  context: RunContext & { out: string },
  result: FigureResult,
): Promise<{ document: ResultDocument; directory: string; json: Record<string, unknown> }> {
  const directory = join(context.out, result.figure);
  const document = await writeResults(directory, result, {
    commandLine: ['test'],
    seed: context.options.seed,
    full: false,
    machine: describeMachine(),
    backend: result.backend ?? { kind: 'cpu', adapter: null },
    versions: { packages: {}, commit: null },
  });
  const json: Record<string, unknown> = JSON.parse(
    readFileSync(join(directory, `${result.figure}.json`), 'utf8'),
  );
  return { document, directory, json };
}
