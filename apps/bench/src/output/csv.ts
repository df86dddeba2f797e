import type { Row, Value } from './figure-result.ts';

function cell(value: Value | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Formats rows as RFC 4180 CSV; the header is the union of the rows' keys in first-seen order.
 *
 * @example
 * ```ts
 * toCsv([{ T: 1000, time: 0.5 }]); // 'T,time\n1000,0.5\n'
 * ```
 */
export function toCsv(rows: readonly Row[]): string {
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  const lines = [columns.map((c) => cell(c)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => cell(row[c])).join(','));
  return `${lines.join('\n')}\n`;
}
