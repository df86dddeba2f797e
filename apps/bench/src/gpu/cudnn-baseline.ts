import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { UsageError } from '../cli/usage-error.ts';

/** One line of the cuDNN script's output: the median seconds of torch.nn.GRU over (D, T), B = 16. */
export interface CudnnCase {
  D: number;
  T: number;
  B: number;
  seconds: number;
  implementation: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * Runs `python3 <script>` (the cuDNN GRU baseline) and parses its JSON lines
 * `{ impl, D, T, B, median_s }`; other lines are ignored. A file not ending in `.py` is read instead, as the
 * lines such a script printed ({@link readCudnnCases}). A script that cannot run or prints no case is a
 * {@link UsageError} naming `--cudnn`.
 *
 * @example
 * ```ts
 * const cases = runCudnnBaseline('.device-carry/cudnn_gru.py', 600);
 * ```
 */
export function runCudnnBaseline(script: string, timeoutSeconds: number): CudnnCase[] {
  if (!script.endsWith('.py')) return readCudnnCases(script);
  const result = spawnSync('python3', [script], { encoding: 'utf8', timeout: timeoutSeconds * 1000 });
  if (result.error)
    throw new UsageError('--cudnn', 'a script python3 can run', `${script} (${result.error.message})`);
  const cases = parseCudnnLines(result.stdout);
  if (cases.length === 0) {
    const detail = (result.stderr || result.stdout || `exit code ${result.status}`)
      .trim()
      .split('\n')
      .slice(-3)
      .join(' | ');
    throw new UsageError('--cudnn', 'a script printing JSON lines {D, T, median_s}', `${script} (${detail})`);
  }
  return cases;
}

/**
 * Reads the JSON lines a cuDNN script printed earlier (e.g. `python3 cudnn_gru.py > cudnn.jsonl` in a step
 * of its own). A file that cannot be read or holds no case is a {@link UsageError} naming `--cudnn`.
 *
 * @example
 * ```ts
 * const cases = readCudnnCases('out/cudnn.jsonl');
 * ```
 */
export function readCudnnCases(file: string): CudnnCase[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      '--cudnn',
      'a readable file',
      `${file} (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const cases = parseCudnnLines(text);
  if (cases.length === 0)
    throw new UsageError('--cudnn', 'JSON lines {D, T, median_s}, as the cuDNN script prints', file);
  return cases;
}

/**
 * The cases among lines of text: JSON objects `{ impl, D, T, B, median_s }`; other lines are ignored.
 *
 * @example
 * ```ts
 * parseCudnnLines('{"D": 8, "T": 30000, "B": 16, "median_s": 0.02}')[0]?.seconds; // 0.02
 * ```
 */
export function parseCudnnLines(text: string): CudnnCase[] {
  const cases: CudnnCase[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isRecord(parsed)) continue;
    const { D, T, B, median_s: seconds, impl } = parsed;
    if (typeof D === 'number' && typeof T === 'number' && typeof seconds === 'number') {
      cases.push({
        D,
        T,
        B: typeof B === 'number' ? B : 16,
        seconds,
        implementation: String(impl ?? 'cuDNN'),
      });
    }
  }
  return cases;
}
