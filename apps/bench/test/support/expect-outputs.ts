import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { FigureResult } from '../../src/output/figure-result.ts';
import { decodePngShape, parseXmlShape } from './check-files.ts';
import { type testContext, writeAndRead } from './test-context.ts';

/**
 * Writes a figure's result like the CLI, then checks the JSON record's fields, that every listed file exists,
 * every SVG is well-formed with an <svg> root and every PNG decodes. Returns the parsed JSON.
 */
export async function expectOutputs(
  context: ReturnType<typeof testContext>,
  result: FigureResult,
  tables: string[],
): Promise<Record<string, unknown>> {
  const { document, directory, json } = await writeAndRead(context, result);
  for (const field of [
    'figure',
    'createdAt',
    'commandLine',
    'seed',
    'machine',
    'backend',
    'versions',
    'parameters',
    'notes',
    'tables',
    'summary',
    'files',
  ]) {
    expect(json, field).toHaveProperty(field);
  }
  expect(json.figure).toBe(result.figure);
  for (const table of tables) {
    expect(json.tables, table).toHaveProperty(table);
    expect(readFileSync(join(directory, `${table}.csv`), 'utf8').split('\n').length).toBeGreaterThan(2);
  }
  expect(result.plots.length).toBeGreaterThan(0);
  for (const file of document.files) {
    const path = join(directory, file);
    if (file.endsWith('.svg')) expect(parseXmlShape(readFileSync(path, 'utf8')).root).toBe('svg');
    if (file.endsWith('.png')) expect(decodePngShape(path).width).toBeGreaterThan(50);
  }
  expect(document.files.filter((file) => file.endsWith('.png'))).toHaveLength(result.plots.length);
  expect(result.summary.rows.length).toBeGreaterThan(0);
  return json;
}

/** Every value is a finite number. */
export function expectFinite(values: readonly unknown[]): void {
  expect(values.length).toBeGreaterThan(0);
  for (const value of values) {
    expect(typeof value).toBe('number');
    expect(Number.isFinite(value)).toBe(true);
  }
}
