import { SingleBar } from 'cli-progress';

/** A progress reporter: a bar on a terminal, silent otherwise. */
export interface Progress {
  /** Starts a task of `total` units labelled `label`. */
  start(label: string, total: number): void;
  /** Advances by `units` (default 1), optionally relabelling. */
  advance(units?: number, label?: string): void;
  stop(): void;
}

const SILENT: Progress = { start() {}, advance() {}, stop() {} };

/**
 * A progress bar (cli-progress, on stderr) when both stdout and stderr are terminals and `quiet` is false;
 * a silent reporter otherwise (pipes, CI, `--json`, tests).
 *
 * @example
 * ```ts
 * const progress = createProgress(false);
 * progress.start('fig2', 10); progress.advance(); progress.stop();
 * ```
 */
export function createProgress(quiet: boolean): Progress {
  if (quiet || !process.stdout.isTTY || !process.stderr.isTTY) return SILENT;
  const bar = new SingleBar({
    format: '{label} [{bar}] {value}/{total} {eta_formatted}',
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
  });
  let running = false;
  return {
    start(label, total) {
      if (running) bar.stop();
      bar.start(total, 0, { label });
      running = true;
    },
    advance(units = 1, label) {
      if (running) bar.increment(units, label === undefined ? undefined : { label });
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
