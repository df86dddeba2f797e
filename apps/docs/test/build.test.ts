/**
 * The build-time generators: the API reference pages, the figure gallery from the bench's results, and the
 * static server and page list the browser tests use.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  figureMarkdown,
  figuresUrl,
  readableCommand,
  readFigureRun,
} from '../src/build/copy-bench-assets.ts';
import { figureCatalog } from '../src/build/figure-catalog.ts';
import { asLiteralMarkdown } from '../src/build/generate-api.ts';
import { sitePages } from './support/site-build.ts';
import { resolveSitePath } from './support/static-server.ts';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'elk-docs-build-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('asLiteralMarkdown', () => {
  it('replaces the title, quotes it in the front matter and keeps Vue away from the body', () => {
    const page = asLiteralMarkdown('# @elk/scan\n\nText with {{ braces }} and <T>.\n', '@elk/scan');
    expect(page.startsWith('---\ntitle: "@elk/scan"\n')).toBe(true);
    expect(page.match(/^# /gm)).toHaveLength(1);
    expect(page).toContain('::: v-pre\n\nText with {{ braces }} and <T>.\n\n:::');
  });
});

describe('the figure gallery', () => {
  const fig2 = figureCatalog.find((entry) => entry.name === 'fig2');

  it('says how to make a figure that is missing', () => {
    if (!fig2) throw new Error('fig2 missing from the catalogue');
    const markdown = figureMarkdown(fig2, []);
    expect(markdown).toContain('Not generated in this build');
    expect(markdown).toContain('`pnpm bench fig2`');
    expect(markdown).toContain('`pnpm bench fig2 --full`');
    expect(markdown).not.toContain('![');
  });

  it('reads a results folder and shows its plots (SVG preferred), command, notes and summary', async () => {
    if (!fig2) throw new Error('fig2 missing from the catalogue');
    const folder = join(scratch, 'fig2');
    await mkdir(folder, { recursive: true });
    const document = {
      commandLine: ['pnpm', 'bench', 'fig2', '--seed', '3'],
      backend: { kind: 'webgpu', adapter: 'llvmpipe' },
      createdAt: '2026-11-28T10:00:00.000Z',
      notes: ['f32 on WebGPU'],
      summary: { title: 'Cost', columns: ['D', 'a|b'], rows: [['8', '1|2']] },
    };
    await writeFile(join(folder, 'fig2.json'), JSON.stringify(document));
    for (const file of ['time.svg', 'time.png', 'memory.png', 'cases.csv'])
      await writeFile(join(folder, file), '');
    const run = await readFigureRun(scratch, 'fig2', 'fig2');
    expect(run?.plots).toEqual([
      { name: 'memory', file: 'memory.png' },
      { name: 'time', file: 'time.svg' },
    ]);
    if (!run) throw new Error('no run read');
    const markdown = figureMarkdown(fig2, [run]);
    expect(markdown).toContain('Made by `pnpm bench fig2 --seed 3` (webgpu, llvmpipe, 2026-11-28).');
    expect(markdown).toContain(`![fig2: time](${figuresUrl}/fig2/time.svg)`);
    expect(markdown).toContain(`![fig2: memory](${figuresUrl}/fig2/memory.png)`);
    expect(markdown).toContain('- f32 on WebGPU');
    expect(markdown).toContain('| D | a\\|b |');
    expect(markdown).toContain('| 8 | 1\\|2 |');
    expect(markdown).toContain(`(${figuresUrl}/fig2/fig2.json)`);
  });

  it("shows the bench's command line as the command a reader types", () => {
    expect(readableCommand(['/usr/bin/node', '/repo/apps/bench/src/cli.ts', 'fig4', '--full'])).toBe(
      'pnpm bench fig4 --full',
    );
    expect(readableCommand(['pnpm', 'bench', 'scan'])).toBe('pnpm bench scan');
  });

  it('names the single-figure command when the results came from the quick suite', () => {
    if (!fig2) throw new Error('fig2 missing from the catalogue');
    const run = { folder: 'fig2', commandLine: 'pnpm bench', backend: 'cpu', createdAt: null, notes: [] };
    const markdown = figureMarkdown(fig2, [{ ...run, summary: null, plots: [], json: null }]);
    expect(markdown).toContain(
      'Made by `pnpm bench` (the quick version of every figure; this one alone: `pnpm bench fig2`)',
    );
  });

  it('ignores a folder without a figure', async () => {
    await mkdir(join(scratch, 'empty'), { recursive: true });
    expect(await readFigureRun(scratch, 'empty', 'fig4')).toBeNull();
  });
});

describe('the static site helpers', () => {
  it('resolve URL paths as a static host does, and never outside the root', async () => {
    const root = join(scratch, 'site');
    await mkdir(join(root, 'guides'), { recursive: true });
    for (const page of ['index.html', '404.html', 'demo.html', 'guides/index.html', 'guides/webgpu.html']) {
      await writeFile(join(root, page), '<html></html>');
    }
    expect(await resolveSitePath(root, '/')).toBe(join(root, 'index.html'));
    expect(await resolveSitePath(root, '/guides/')).toBe(join(root, 'guides/index.html'));
    expect(await resolveSitePath(root, '/guides/webgpu.html#node')).toBe(join(root, 'guides/webgpu.html'));
    expect(await resolveSitePath(root, '/demo')).toBe(join(root, 'demo.html'));
    expect(await resolveSitePath(root, '/missing.html')).toBeNull();
    expect(await resolveSitePath(root, '/../index.html')).toBe(join(root, 'index.html'));
    expect(await resolveSitePath(root, '/%2e%2e/%2e%2e/etc/passwd')).toBeNull();
    expect(sitePages(root)).toEqual([
      '/demo.html',
      '/guides/index.html',
      '/guides/webgpu.html',
      '/index.html',
    ]);
  });
});
