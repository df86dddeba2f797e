import type { ScanOperator } from './operator.ts';
import { ScanInputError } from './scan-input-error.ts';

/**
 * An associative combination: the element that applies `earlier` first, then `later`.
 * It must be associative: `combine(combine(x, y), z)` equals `combine(x, combine(y, z))`.
 */
export type Combine<Element> = (earlier: Element, later: Element) => Element;

/** Options of {@link associativeScan}. */
export interface AssociativeScanOptions {
  /**
   * Scan from the last element to the first: `out[i] = e[n-1] • … • e[i]`, where `•` applies its left
   * operand first. Default `false`.
   */
  reverse?: boolean;
  /**
   * Elements per chunk of the chunked scan (a positive integer; 1 acts as 2). Smaller chunks give a deeper
   * tree of chunk-total scans. Default: {@link defaultChunkSize} of the element count, i.e. ⌈√n⌉.
   */
  chunkSize?: number;
}

/**
 * The default chunk size of {@link associativeScan} for `count` elements: ⌈√count⌉ (at least 1), which
 * balances the per-chunk work against the size of the scan of chunk totals.
 *
 * @example
 * ```ts
 * defaultChunkSize(1_000_000); // 1000
 * ```
 */
export function defaultChunkSize(count: number): number {
  return Math.max(1, Math.ceil(Math.sqrt(count)));
}

/**
 * Inclusive associative scan over any element type, with the structure of a parallel scan.
 *
 * Computes `out[i] = e[0] • e[1] • … • e[i]` where `x • y = combine(x, y)` applies `x` first, then `y`
 * (with `reverse`: `out[i] = e[n-1] • … • e[i]`). The work is split as a parallel implementation would
 * split it across workers (Blelloch, "Prefix sums and their applications", 1990; the reduce-then-scan
 * form used on GPUs):
 * 1. each chunk of `chunkSize` elements is scanned on its own (independent, parallel work);
 * 2. the chunk totals are scanned (recursively, with the same algorithm);
 * 3. every element of chunk k > 0 is fixed up as `totals[k-1] • local[i]` (independent, parallel work).
 *
 * This performs about 2n combinations, so it is no faster than a fold on one core; it is the reference
 * for operators whose order of combination differs from the sequential one (GPU scans), and it accepts
 * any {@link ScanOperator}. For affine recurrences on typed arrays use `scanAffineDiagonal` and
 * `scanAffineDense`, which run the (most accurate) sequential recurrence.
 *
 * @param combine - the associative combination, or a {@link ScanOperator} whose `combine` is used.
 * @param elements - the elements in sequence order (not modified).
 * @returns a new array of the inclusive prefixes (suffixes with `reverse`), same length as `elements`.
 * @throws {@link ScanInputError} when `chunkSize` is not a positive integer.
 *
 * @example
 * ```ts
 * associativeScan((x: number, y: number) => x + y, [1, 2, 3, 4]); // [1, 3, 6, 10]
 * associativeScan((x: string, y: string) => x + y, ['a', 'b', 'c'], { reverse: true }); // ['cba', 'cb', 'c']
 * ```
 */
export function associativeScan<Element>(
  combine: Combine<Element> | ScanOperator<Element>,
  elements: readonly Element[],
  options: AssociativeScanOptions = {},
): Element[] {
  const combineFunction: Combine<Element> =
    typeof combine === 'function' ? combine : (earlier, later) => combine.combine(earlier, later);
  const { reverse = false } = options;
  const chunkSize = options.chunkSize ?? defaultChunkSize(elements.length);
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new ScanInputError('chunkSize', 'a positive integer', String(chunkSize));
  }
  if (!reverse) return chunkedScan(combineFunction, elements, options.chunkSize);
  const reversed = elements.slice().reverse();
  return chunkedScan(combineFunction, reversed, options.chunkSize).reverse();
}

/** Forward inclusive scan, reduce-then-scan over chunks; recursion on the chunk totals. */
function chunkedScan<Element>(
  combine: Combine<Element>,
  elements: readonly Element[],
  fixedChunkSize: number | undefined,
): Element[] {
  const count = elements.length;
  const result = elements.slice();
  // A chunk size of 1 would never shrink the problem; treat it as 2 so the recursion terminates.
  const chunkSize = Math.max(2, fixedChunkSize ?? defaultChunkSize(count));
  if (count <= chunkSize) {
    scanRange(combine, result, 0, count);
    return result;
  }
  const chunkCount = Math.ceil(count / chunkSize);
  // 1. Independent scans of each chunk.
  const totals: Element[] = [];
  for (let chunk = 0; chunk < chunkCount; chunk++) {
    const start = chunk * chunkSize;
    const end = Math.min(count, start + chunkSize);
    scanRange(combine, result, start, end);
    totals.push(result[end - 1] as Element);
  }
  // 2. Scan of the chunk totals, with the same algorithm.
  const prefixes = chunkedScan(combine, totals, fixedChunkSize);
  // 3. Independent fix-up of each chunk after the first.
  for (let chunk = 1; chunk < chunkCount; chunk++) {
    const prefix = prefixes[chunk - 1] as Element;
    const start = chunk * chunkSize;
    const end = Math.min(count, start + chunkSize);
    for (let i = start; i < end; i++) result[i] = combine(prefix, result[i] as Element);
  }
  return result;
}

/** Sequential inclusive scan of `values[start..end)` in place. */
function scanRange<Element>(combine: Combine<Element>, values: Element[], start: number, end: number): void {
  for (let i = start + 1; i < end; i++) {
    values[i] = combine(values[i - 1] as Element, values[i] as Element);
  }
}
