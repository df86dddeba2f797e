/**
 * The built site in a real browser (Debian's Chromium, headless, WebGPU through SwiftShader): every page loads
 * without console errors, every internal link and anchor resolves, and the live demo runs quasi-DEER on a GRU
 * on WebGPU and matches the CPU evaluation of the same case run here.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCpuBackend, evaluate } from '@elk/solvers';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docsRoot } from '../src/build/paths.ts';
import { buildDemoCase } from '../src/demo/demo-case.ts';
import { maxAbsDifference } from '../src/demo/run-demo.ts';
import { chromiumAvailable, chromiumPath, launchBrowser, type TestBrowser } from './support/browser.ts';
import { ensureSiteBuilt, sitePages } from './support/site-build.ts';
import { resolveSitePath, type StaticSite, serveStatic } from './support/static-server.ts';

const webGpuRequired = process.env.ELK_REQUIRE_WEBGPU === '1';
/** The adapter the demo must report; SwiftShader is what headless Chromium exposes without a GPU. */
const expectedAdapter = new RegExp(process.env.ELK_EXPECT_BROWSER_ADAPTER ?? 'swiftshader', 'i');
const screenshotDirectory = join(docsRoot, 'test-output');
/** Pages loaded concurrently by the page check. */
const pagesAtOnce = 3;

if (!chromiumAvailable() && !webGpuRequired) {
  console.warn(`[docs test] SKIPPED the browser tests: no Chromium at ${chromiumPath} (set ELK_CHROMIUM)`);
}

describe.skipIf(!chromiumAvailable() && !webGpuRequired)('the built site in Chromium', () => {
  let root: string;
  let site: StaticSite;
  let browser: TestBrowser;
  let context: BrowserContext;

  beforeAll(async () => {
    if (!chromiumAvailable())
      throw new Error(`ELK_REQUIRE_WEBGPU=1 but there is no Chromium at ${chromiumPath}`);
    root = ensureSiteBuilt();
    site = await serveStatic(root);
    browser = await launchBrowser();
    context = browser.context;
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  /** Opens a page, recording console errors, uncaught exceptions and failed requests. */
  async function open(path: string): Promise<{ page: Page; problems: string[] }> {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    await page.goto(`${site.origin}${path}`, { waitUntil: 'networkidle' });
    return { page, problems };
  }

  it('loads every page without console errors, and every internal link and anchor resolves', async () => {
    const pages = sitePages(root);
    expect(pages).toEqual(expect.arrayContaining(['/index.html', '/demo.html', '/api/solvers.html']));
    const problems: string[] = [];
    const links = new Map<string, string>(); // absolute URL → the page that links to it
    const visit = async (path: string): Promise<void> => {
      const { page, problems: pageProblems } = await open(path);
      problems.push(...pageProblems.map((problem) => `${path}: ${problem}`));
      const targets = await page.$$eval('a[href], img[src]', (elements) =>
        elements.map((element) =>
          element instanceof HTMLAnchorElement
            ? element.href
            : element instanceof HTMLImageElement
              ? element.src
              : '',
        ),
      );
      for (const target of targets) {
        if (target.startsWith(site.origin) && !links.has(target)) links.set(target, path);
      }
      await page.close();
    };
    const queue = [...pages];
    const worker = async (): Promise<void> => {
      for (let path = queue.shift(); path !== undefined; path = queue.shift()) await visit(path);
    };
    await Promise.all(Array.from({ length: pagesAtOnce }, worker));
    for (const [target, from] of links) {
      const url = new URL(target);
      const file = await resolveSitePath(root, url.pathname);
      if (!file) {
        problems.push(`${from}: broken link ${url.pathname}`);
        continue;
      }
      const anchor = decodeURIComponent(url.hash.slice(1));
      if (anchor && file.endsWith('.html')) {
        const html = await readFile(file, 'utf8');
        if (!html.includes(`id="${anchor}"`))
          problems.push(`${from}: missing anchor ${url.pathname}#${anchor}`);
      }
    }
    expect(links.size).toBeGreaterThan(pages.length);
    expect(problems).toEqual([]);
  });

  it('runs quasi-DEER on a GRU on WebGPU in the demo, matching the CPU evaluation of the same case', async (test) => {
    const length = 2000;
    const { page, problems } = await open('/demo.html');
    await page.selectOption('[data-testid=demo-cell]', 'gru');
    await page.fill('[data-testid=demo-length]', String(length));
    await page.selectOption('[data-testid=demo-method]', 'quasi-deer');
    await page.click('[data-testid=demo-run]');
    const output = page.locator('[data-testid=demo-result]');
    await expect
      .poll(async () => output.getAttribute('data-status'), { timeout: 240_000, interval: 250 })
      .toMatch(/^(done|error)$/);
    const read = async (name: string): Promise<string> => (await output.getAttribute(`data-${name}`)) ?? '';
    await mkdir(screenshotDirectory, { recursive: true });
    await page.screenshot({ path: join(screenshotDirectory, 'demo-quasi-deer-gru.png'), fullPage: true });
    expect(await read('status'), (await output.textContent()) ?? '').toBe('done');

    const backend = await read('backend');
    const adapter = await read('adapter');
    console.info(`[docs test] demo ran on ${backend} (${adapter}): ${await output.textContent()}`);
    if (backend !== 'webgpu') {
      const label = await page.locator('[data-testid=demo-backend]').textContent();
      if (webGpuRequired) throw new Error(`ELK_REQUIRE_WEBGPU=1 but the demo ran on the CPU: ${label}`);
      console.warn(`[docs test] SKIPPED the WebGPU demo check: ${label}`);
      test.skip();
      return;
    }
    expect(adapter).toMatch(expectedAdapter);
    expect(await page.locator('[data-testid=demo-backend]').textContent()).toContain('WebGPU');
    expect(await read('method')).toBe('quasi-deer');
    expect(await read('converged')).toBe('true');
    expect(await read('stop-reason')).toMatch(/^(tolerance|floor)$/);
    const iterations = Number(await read('iterations'));
    const finalState: number[] = JSON.parse(await read('final-state'));
    const trajectory: [number, number][] = JSON.parse(await read('trajectory'));
    const errorByIteration: number[] = JSON.parse(await read('error-by-iteration'));

    // The same case, evaluated here on the CPU: quasi-DEER in f32 and the f64 sequential loop.
    const demo = await buildDemoCase({ cell: 'gru', length });
    const dim = demo.cell.stateSize;
    const cpuBackend = createCpuBackend();
    const cpu = await evaluate(demo.cell, {
      inputs: demo.inputs,
      initialState: demo.initialState,
      length,
      method: 'quasi-deer',
      backend: cpuBackend,
    });
    cpuBackend.destroy();
    const sequential = await evaluate(demo.cell, {
      inputs: Float64Array.from(demo.inputs),
      initialState: Float64Array.from(demo.initialState),
      length,
      method: 'sequential',
    });
    const sequentialF32 = await evaluate(demo.cell, {
      inputs: demo.inputs,
      initialState: demo.initialState,
      length,
      method: 'sequential',
    });
    expect(cpu.converged).toBe(true);
    const cpuFinal = Array.from(cpu.states.subarray((length - 1) * dim));
    const sequentialFinal = Array.from(sequential.states.subarray((length - 1) * dim));
    // The honest f32 bound: within 10× of how far the f32 loop itself lands from the f64 loop.
    const tolerance = 10 * maxAbsDifference(sequentialF32.states, sequential.states);
    expect(maxAbsDifference(cpu.states, sequential.states)).toBeLessThan(tolerance);
    console.info(`[docs test] WebGPU demo: max error ${await read('max-error')}, bound ${tolerance}`);
    expect(finalState).toHaveLength(dim);
    expect(maxAbsDifference(finalState, cpuFinal)).toBeLessThan(tolerance);
    expect(maxAbsDifference(finalState, sequentialFinal)).toBeLessThan(tolerance);
    expect(Number(await read('max-error'))).toBeLessThan(tolerance);
    for (const [t, value] of trajectory)
      expect(Math.abs(value - (cpu.states[(t - 1) * dim] ?? Number.NaN))).toBeLessThan(tolerance);
    expect(trajectory.at(-1)?.[0]).toBe(length);
    expect(Math.abs(iterations - cpu.iterations)).toBeLessThanOrEqual(
      Math.max(2, Math.ceil(0.25 * cpu.iterations)),
    );
    expect(errorByIteration.length).toBeGreaterThan(1); // the traced run: the initial guess, then each iterate
    expect(errorByIteration.at(-1)).toBeLessThan(tolerance);
    expect(errorByIteration[0]).toBeGreaterThan(10 * tolerance); // the zero initial guess is far off
    expect(problems).toEqual([]);
    await page.close();
  });

  it('labels the CPU backend when it is chosen, and its answer matches the loop', async () => {
    const { page, problems } = await open('/demo.html');
    await page.selectOption('[data-testid=demo-backend-choice]', 'cpu');
    await page.selectOption('[data-testid=demo-cell]', 'lorenz96');
    await page.fill('[data-testid=demo-length]', '300');
    await page.selectOption('[data-testid=demo-method]', 'deer');
    await page.click('[data-testid=demo-run]');
    const output = page.locator('[data-testid=demo-result]');
    await expect
      .poll(async () => output.getAttribute('data-status'), { timeout: 120_000, interval: 250 })
      .toMatch(/^(done|error)$/);
    expect(await output.getAttribute('data-status'), (await output.textContent()) ?? '').toBe('done');
    expect(await output.getAttribute('data-backend')).toBe('cpu');
    expect(await page.locator('[data-testid=demo-backend]').textContent()).toContain('CPU (chosen)');
    const demo = await buildDemoCase({ cell: 'lorenz96', length: 300 });
    const sequential = await evaluate(demo.cell, {
      inputs: new Float64Array(0),
      initialState: Float64Array.from(demo.initialState),
      length: 300,
      method: 'sequential',
    });
    const sequentialF32 = await evaluate(demo.cell, {
      inputs: new Float32Array(0),
      initialState: demo.initialState,
      length: 300,
      method: 'sequential',
    });
    // The honest f32 bound: within 10× of how far the f32 loop itself lands from the f64 loop.
    const tolerance = 10 * maxAbsDifference(sequentialF32.states, sequential.states);
    const finalState: number[] = JSON.parse((await output.getAttribute('data-final-state')) ?? '[]');
    expect(await output.getAttribute('data-converged')).toBe('true');
    expect(maxAbsDifference(finalState, Array.from(sequential.states.subarray(299 * 5)))).toBeLessThan(
      tolerance,
    );
    expect(Number(await output.getAttribute('data-max-error'))).toBeLessThan(tolerance);
    console.info(
      `[docs test] CPU demo on Lorenz-96: max error ${await output.getAttribute('data-max-error')}, bound ${tolerance}`,
    );
    expect(problems).toEqual([]);
    await page.close();
  });
});
