/**
 * `pnpm bench`: reproduces the DEER/ELK papers' figures and elk's performance measurements.
 * See apps/bench/README.md for every command and what it writes.
 *
 * @module
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from '@elk/solvers';
import { COMMAND_LOADERS } from './cli/command-registry.ts';
import { type BenchOptions, HELP, parseOptions } from './cli/options.ts';
import type { BenchBackend, RunContext } from './cli/run-context.ts';
import { USAGE_EXIT_CODE, UsageError } from './cli/usage-error.ts';
import { type CommandName, DEFAULT_RESULTS_DIRECTORY, QUICK_SUITE } from './defaults.ts';
import { describeMachine, describeVersions } from './environment/machine.ts';
import { createCpu, selectBackend } from './environment/select-backend.ts';
import { createProgress } from './output/progress.ts';
import { formatTable } from './output/table.ts';
import { type ResultDocument, writeResults } from './output/write-results.ts';

/** apps/bench: this file is src/cli.ts, and the bundle is dist/bench.mjs — both one level below. */
const BENCH_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function checkFile(option: string, path: string | undefined): void {
  if (path === undefined) return;
  if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(option, 'an existing file', path);
}

/** Runs the bench with the given arguments; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const options = parseOptions(argv);
  if (options.help) {
    process.stdout.write(HELP);
    return 0;
  }
  checkFile('--weights', options.weights);
  checkFile('--inputs', options.inputs);
  checkFile('--cudnn', options.cudnn);
  const commands: readonly CommandName[] = options.command ? [options.command] : QUICK_SUITE;
  const context = createContext(options);
  const documents: { directory: string; document: ResultDocument }[] = [];
  try {
    for (const command of commands) {
      const runner = await COMMAND_LOADERS[command]();
      const result = await runner(context.context);
      const backend = result.backend ?? (await context.usedBackend());
      const directory = join(
        resolve(options.out ?? join(BENCH_ROOT, DEFAULT_RESULTS_DIRECTORY)),
        result.figure,
      );
      const document = await writeResults(directory, result, {
        commandLine: [process.argv0, ...process.argv.slice(1)],
        seed: options.seed,
        full: options.full,
        machine: describeMachine(),
        backend,
        versions: describeVersions(),
      });
      documents.push({ directory, document });
      if (!options.json) {
        process.stdout.write(`\n${formatTable(result.summary)}\n`);
        for (const note of result.notes) process.stdout.write(`  note: ${note}\n`);
        process.stdout.write(`  wrote ${directory}/{${document.files.join(',')}}\n`);
      }
    }
  } finally {
    context.context.progress.stop();
    await context.destroy();
  }
  if (options.json) {
    const summary = documents.map(({ directory, document }) => ({
      figure: document.figure,
      directory,
      files: document.files,
      backend: document.backend,
      summary: document.summary,
      tables: document.tables,
    }));
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  }
  return 0;
}

function createContext(options: BenchOptions) {
  let backend: Promise<BenchBackend> | undefined;
  let cpu: Promise<Backend> | undefined;
  const log = options.json ? () => {} : (message: string) => process.stderr.write(`${message}\n`);
  const context: RunContext = {
    options,
    benchRoot: BENCH_ROOT,
    backend() {
      backend ??= selectBackend(
        options.backend ?? (options.command === 'gpu-grid' ? 'webgpu' : undefined),
      ).then((chosen) => {
        if (chosen.fallbackReason) log(`WebGPU unavailable (${chosen.fallbackReason}); running on the CPU.`);
        else log(`backend: ${chosen.kind}${chosen.adapter ? ` (${chosen.adapter})` : ''}`);
        return chosen;
      });
      return backend;
    },
    cpu() {
      cpu ??= createCpu();
      return cpu;
    },
    progress: createProgress(options.json),
    log,
  };
  return {
    context,
    async usedBackend(): Promise<{ kind: 'cpu' | 'webgpu'; adapter: string | null }> {
      if (!backend) return { kind: 'cpu', adapter: null };
      const chosen = await backend;
      return { kind: chosen.kind, adapter: chosen.adapter };
    },
    async destroy() {
      if (backend) {
        const chosen = await backend.catch(() => undefined);
        chosen?.solver.destroy();
        chosen?.gpu?.device.destroy();
      }
      if (cpu) (await cpu.catch(() => undefined))?.destroy();
    },
  };
}

const invokedDirectly =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      if (error instanceof UsageError) {
        process.stderr.write(`elk bench: ${error.message}\nRun with --help for the options.\n`);
        process.exitCode = USAGE_EXIT_CODE;
      } else {
        process.stderr.write(
          `elk bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
        );
        process.exitCode = 1;
      }
    },
  );
}
