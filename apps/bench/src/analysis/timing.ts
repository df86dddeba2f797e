/** Timings of repeated runs of one measurement. */
export interface Timing {
  /** Median wall-clock seconds. */
  median: number;
  /** Fastest run, seconds. */
  min: number;
  /** Every run, seconds, in order. */
  runs: number[];
}

/** The median of a non-empty list (mean of the middle two for even lengths). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

/**
 * Times `run` `repeats` times after `warmups` untimed runs and reports the median (robust on a shared
 * machine) and the minimum.
 *
 * @example
 * ```ts
 * const { median } = await timeRepeated(() => scanAffineDiagonal(input), 5);
 * ```
 */
export async function timeRepeated(run: () => unknown, repeats: number, warmups = 1): Promise<Timing> {
  for (let i = 0; i < warmups; i++) await run();
  const runs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    await run();
    runs.push((performance.now() - started) / 1000);
  }
  return { median: median(runs), min: Math.min(...runs), runs };
}
