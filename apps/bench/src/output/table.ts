import type { Summary } from './figure-result.ts';

/**
 * Formats a summary as an aligned plain-text table (numbers right-aligned, text left-aligned).
 *
 * @example
 * ```ts
 * formatTable({ title: 'fig2', columns: ['D', 'time'], rows: [['8', '0.10 s']] });
 * ```
 */
export function formatTable(summary: Summary): string {
  const widths = summary.columns.map((column, index) =>
    Math.max(column.length, ...summary.rows.map((row) => (row[index] ?? '').length)),
  );
  const numeric = (text: string) => /^[-+]?[\d.]/.test(text);
  const line = (cells: readonly string[]) =>
    cells
      .map((text, index) => {
        const width = widths[index] ?? text.length;
        return numeric(text) ? text.padStart(width) : text.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [summary.title, line(summary.columns), rule, ...summary.rows.map(line)].join('\n');
}

/** Formats a number with `digits` significant digits, switching to exponent form for very small or large. */
export function formatNumber(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-3) return value.toExponential(digits - 1);
  return Number(value.toPrecision(digits)).toString();
}

/** Formats seconds with a unit that keeps 3 significant digits readable (µs, ms, s). */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  if (seconds < 1e-3) return `${formatNumber(seconds * 1e6)} µs`;
  if (seconds < 1) return `${formatNumber(seconds * 1e3)} ms`;
  return `${formatNumber(seconds)} s`;
}

/** Formats a byte count in binary units. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${formatNumber(value)} ${units[unit]}`;
}
