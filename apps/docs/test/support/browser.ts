/**
 * Debian's Chromium through playwright-core: headless, WebGPU through SwiftShader, a fresh profile, and no
 * browser download ever (playwright-core has none; the executable is the system's).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** The Chromium the tests drive; `ELK_CHROMIUM` overrides it. */
export const chromiumPath = process.env.ELK_CHROMIUM ?? '/usr/bin/chromium';

/** The command-line switches: WebGPU on (SwiftShader when no GPU), nothing that talks to the network. */
export const chromiumArguments = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface TestBrowser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Whether the Chromium executable exists. */
export function chromiumAvailable(): boolean {
  return existsSync(chromiumPath);
}

/** Launches Chromium with a fresh user-data directory, removed again by `close()`. */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'elk-docs-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArguments,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
