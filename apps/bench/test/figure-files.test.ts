import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toCsv } from '../src/output/csv.ts';
import { renderPlot } from '../src/output/plot.ts';
import { decodePngShape, parseXmlShape } from './support/check-files.ts';

describe('the file checks used by the figure tests', () => {
  it('accept a rendered Vega-Lite plot and reject broken SVG and PNG', async () => {
    const { svg, png } = await renderPlot({
      data: {
        values: [
          { x: 1, y: 2 },
          { x: 10, y: 1e-3 },
        ],
      },
      mark: 'line',
      width: 120,
      height: 80,
      encoding: {
        x: { field: 'x', type: 'quantitative', scale: { type: 'log' } },
        y: { field: 'y', type: 'quantitative', scale: { type: 'log' } },
      },
    });
    expect(parseXmlShape(svg).root).toBe('svg');
    expect(() => parseXmlShape(svg.replace('</svg>', ''))).toThrow();
    expect(() => parseXmlShape(`${svg}<g></g>`)).toThrow();
    const directory = mkdtempSync(join(tmpdir(), 'elk-bench-png-'));
    expect(png).not.toBeNull();
    writeFileSync(join(directory, 'plot.png'), png ?? new Uint8Array());
    const { width, height } = decodePngShape(join(directory, 'plot.png'));
    expect(width).toBeGreaterThan(120);
    expect(height).toBeGreaterThan(80);
    const truncated = (png ?? new Uint8Array()).subarray(0, 200);
    writeFileSync(join(directory, 'broken.png'), truncated);
    expect(() => decodePngShape(join(directory, 'broken.png'))).toThrow();
  });

  it('CSV quotes cells with commas, quotes and newlines', () => {
    expect(
      toCsv([
        { a: 1, b: 'x,y' },
        { a: null, c: 'say "hi"' },
      ]),
    ).toBe('a,b,c\n1,"x,y",\n,,"say ""hi"""\n');
  });
});
