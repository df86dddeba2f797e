import { parseArgs } from 'node:util';
import {
  COMMANDS,
  type CommandName,
  DEFAULT_SEED,
  GPU_GRID_PARTS,
  type GpuGridPart,
  type Method,
  type StoppingRule,
} from '../defaults.ts';
import { UsageError } from './usage-error.ts';

/** The parsed command line of `pnpm bench`. */
export interface BenchOptions {
  /** The subcommand, or `undefined` for the quick suite. */
  command: CommandName | undefined;
  /** `'cpu'`, `'webgpu'`, or `undefined` to pick WebGPU when an adapter exists and the CPU otherwise. */
  backend: 'cpu' | 'webgpu' | undefined;
  full: boolean;
  seed: number;
  /** Output directory (results go to `<out>/<figure>/`), or `undefined` for `results/` under apps/bench. */
  out: string | undefined;
  weights: string | undefined;
  inputs: string | undefined;
  /** Print a machine-readable summary on stdout instead of tables. */
  json: boolean;
  /** Only this stopping rule (fig2 shows both when absent). */
  stopping: StoppingRule | undefined;
  /** fig2/gpu-grid: only these state sizes D (instead of the figure's). */
  dims: number[] | undefined;
  /** fig2/gpu-grid: only these sequence lengths T (instead of the figure's). */
  lengths: number[] | undefined;
  /**
   * gpu-grid: a Python script timing cuDNN's GRU, run with `python3` (a `.py` file), or the JSON lines such a
   * script printed in an earlier step (any other file).
   */
  cudnn: string | undefined;
  /** gpu-grid: only these methods (instead of the grid's). */
  methods: Method[] | undefined;
  /** gpu-grid: only these parts of the measurement (bandwidth, grid). */
  parts: GpuGridPart[] | undefined;
  /** gpu-grid: run the sequential method only where T is at most this (it is the slow baseline). */
  sequentialMaxLength: number | undefined;
  /** gpu-grid: element counts of the bandwidth runs (instead of the grid's). */
  scanElements: number[] | undefined;
  /** gpu-grid: at most this many iterations per case (instead of the grid's). */
  maxIterations: number | undefined;
  /**
   * gpu-grid: run each iterative method once untimed on the case's own inputs before the timed run (as JAX's
   * and cuDNN's timings follow warm-up calls of the same shapes): the timed solve then finds its arrays in
   * the backend's pool instead of creating them.
   */
  rehearse: boolean;
  /**
   * gpu-grid: timed runs of each iterative method (where T ≤ `repeatMaxLength`); the row is the run with the
   * median solve time, and lists every run's solve time.
   */
  repeat: number;
  /** gpu-grid: repeat only where T is at most this. */
  repeatMaxLength: number | undefined;
  help: boolean;
}

/** The help text printed by `--help`. */
export const HELP = `Usage: pnpm bench [command] [options]

Commands (none: quick versions of fig2, fig4, fig7, fig8 and scan):
  fig2         evaluation cost on a flax GRU: time, iterations, memory vs T (one panel per D)
  fig4         stability on the AR-GRU: MAD vs iteration, traces after 1/100/1000/2000 iterations
  fig7         λ sweep of ELK and quasi-ELK on the trained AR-GRU
  fig8         Lorenz-96 (D = 5, F = 8, Dopri5): MAD vs iteration and a λ sweep
  scan         scan throughput of @elk/scan's kernels (and WebGPU against copy bandwidth)
  train-argru  train the 3-unit AR-GRU on noisy sine waves -> models/argru-sine.safetensors
  gpu-grid     copy + scan bandwidth and the Fig. 2 grid on the WebGPU adapter found

Options:
  --backend cpu|webgpu                  default: webgpu when an adapter exists, else cpu
  --full                                the papers' sizes (slow on a CPU)
  --seed N                              random seed (default ${DEFAULT_SEED})
  --out DIR                             write results to DIR/<figure>/ (default apps/bench/results/)
  --weights FILE.safetensors            GRU weights (flax names) for fig2/gpu-grid, AR-GRU for fig4/fig7
  --inputs FILE.safetensors             'inputs' [B,T,I] and 'initial_state' [B,D] for fig2/gpu-grid
  --json                                machine-readable summary on stdout
  --stopping reference|precision-aware  one stopping rule only (fig2 shows both by default)
  --dims 8,16 / --lengths 1000,30000    fig2/gpu-grid: a sub-grid of state sizes / sequence lengths
  --cudnn FILE.py|FILE.jsonl            gpu-grid: run FILE.py with python3 (or read the JSON lines it
                                        printed earlier) and fold its numbers in
  --methods quasi-deer,deer             gpu-grid: only these methods
  --parts bandwidth,grid                gpu-grid: only these parts (default both)
  --sequential-max-length N             gpu-grid: the sequential kernel only where T <= N
  --scan-elements 1e7,1e8               gpu-grid: element counts of the bandwidth runs
  --max-iterations N                    gpu-grid: at most N iterations per case
  --rehearse                            gpu-grid: an untimed run of each iterative method on the case's own
                                        inputs before the timed one (its arrays then come from the pool)
  --repeat N                            gpu-grid: N timed runs of each iterative method, the median's row
  --repeat-max-length N                 gpu-grid: repeat only where T <= N
  --help                                this text
`;

/** One positive integer, or undefined when the option is absent. */
function single(option: string, text: string | undefined): number | undefined {
  const values = parseList(option, text);
  if (values !== undefined && values.length !== 1) throw new UsageError(option, 'one positive integer', text);
  return values?.[0];
}

function parseSeed(text: string | undefined): number {
  if (text === undefined) return DEFAULT_SEED;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError('--seed', 'a non-negative integer', text);
  }
  return Number(text);
}

function parseList(option: string, text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const values = text.split(',').map((part) => part.trim().replaceAll('_', ''));
  if (values.length === 0 || !values.every((value) => /^\d+(e\d+)?$/.test(value) && Number(value) >= 1)) {
    throw new UsageError(option, 'a comma-separated list of positive integers', text);
  }
  return values.map(Number);
}

function parseNames<Name extends string>(
  option: string,
  allowed: readonly Name[],
  text: string | undefined,
): Name[] | undefined {
  if (text === undefined) return undefined;
  const names = text.split(',').map((part) => part.trim());
  const isAllowed = (name: string): name is Name => (allowed as readonly string[]).includes(name);
  if (names.length === 0 || !names.every(isAllowed)) {
    throw new UsageError(option, `a comma-separated list of ${allowed.join(', ')}`, text);
  }
  return names.filter(isAllowed);
}

const METHOD_NAMES: readonly Method[] = ['sequential', 'jacobi', 'deer', 'quasi-deer', 'elk', 'quasi-elk'];

function isCommand(name: string): name is CommandName {
  return (COMMANDS as readonly string[]).includes(name);
}

/**
 * Parses the bench's command line (without `node` and the script). Unknown options, bad values and
 * extra arguments throw {@link UsageError}.
 *
 * @example
 * ```ts
 * parseOptions(['fig2', '--backend', 'cpu', '--seed', '3']).seed; // 3
 * ```
 */
export function parseOptions(argv: readonly string[]): BenchOptions {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError('options', `one of the options listed by --help (${message})`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    throw new UsageError('command', 'at most one subcommand', positionals.join(' '));
  }
  const name = positionals[0];
  if (name !== undefined && !isCommand(name)) {
    throw new UsageError('command', `one of ${COMMANDS.join(', ')}`, name);
  }
  const backend = values.backend;
  if (backend !== undefined && backend !== 'cpu' && backend !== 'webgpu') {
    throw new UsageError('--backend', "'cpu' or 'webgpu'", backend);
  }
  const sequentialMaxLength = parseList('--sequential-max-length', values['sequential-max-length']);
  if (sequentialMaxLength !== undefined && sequentialMaxLength.length !== 1) {
    throw new UsageError('--sequential-max-length', 'one positive integer', values['sequential-max-length']);
  }
  const maxIterations = parseList('--max-iterations', values['max-iterations']);
  if (maxIterations !== undefined && maxIterations.length !== 1) {
    throw new UsageError('--max-iterations', 'one positive integer', values['max-iterations']);
  }
  const stopping = values.stopping;
  if (stopping !== undefined && stopping !== 'reference' && stopping !== 'precision-aware') {
    throw new UsageError('--stopping', "'reference' or 'precision-aware'", stopping);
  }
  for (const [option, value] of [
    ['--out', values.out],
    ['--weights', values.weights],
    ['--inputs', values.inputs],
    ['--cudnn', values.cudnn],
  ] as const) {
    if (value !== undefined && value.trim() === '') throw new UsageError(option, 'a path', value);
  }
  return {
    command: name,
    backend,
    full: values.full ?? false,
    seed: parseSeed(values.seed),
    out: values.out,
    weights: values.weights,
    inputs: values.inputs,
    json: values.json ?? false,
    stopping,
    dims: parseList('--dims', values.dims),
    lengths: parseList('--lengths', values.lengths),
    cudnn: values.cudnn,
    methods: parseNames('--methods', METHOD_NAMES, values.methods),
    parts: parseNames('--parts', GPU_GRID_PARTS, values.parts),
    sequentialMaxLength: sequentialMaxLength?.[0],
    scanElements: parseList('--scan-elements', values['scan-elements']),
    maxIterations: maxIterations?.[0],
    rehearse: values.rehearse ?? false,
    repeat: single('--repeat', values.repeat) ?? 1,
    repeatMaxLength: single('--repeat-max-length', values['repeat-max-length']),
    help: values.help ?? false,
  };
}

function parseCommandLine(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      backend: { type: 'string' },
      full: { type: 'boolean' },
      seed: { type: 'string' },
      out: { type: 'string' },
      weights: { type: 'string' },
      inputs: { type: 'string' },
      json: { type: 'boolean' },
      stopping: { type: 'string' },
      dims: { type: 'string' },
      lengths: { type: 'string' },
      cudnn: { type: 'string' },
      methods: { type: 'string' },
      parts: { type: 'string' },
      'sequential-max-length': { type: 'string' },
      'scan-elements': { type: 'string' },
      'max-iterations': { type: 'string' },
      rehearse: { type: 'boolean' },
      repeat: { type: 'string' },
      'repeat-max-length': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
