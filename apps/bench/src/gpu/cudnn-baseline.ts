import { spawnSync } from 'node:child_process';
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
 * `{ impl, D, T, B, median_s }`; other lines are ignored. A script that cannot run or prints no case is a
 * {@link UsageError} naming `--cudnn`.
 *
 * @example
 * ```ts
 * const cases = runCudnnBaseline('.device-carry/cudnn_gru.py', 600);
 * ```
 */
export function runCudnnBaseline(script: string, timeoutSeconds: number): CudnnCase[] {
  const result = spawnSync('python3', [script], { encoding: 'utf8', timeout: timeoutSeconds * 1000 });
  if (result.error)
    throw new UsageError('--cudnn', 'a script python3 can run', `${script} (${result.error.message})`);
  const cases: CudnnCase[] = [];
  for (const line of result.stdout.split('\n')) {
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
