/**
 * The built site for the browser tests: `dist/` as `pnpm --filter docs build` (run by `pnpm build` in CI)
 * leaves it, or built here first when it is missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { docsRoot, siteDirectory } from '../../src/build/paths.ts';

/** Builds the site unless `dist/index.html` and `dist/demo.html` exist. Returns the site's root folder. */
export function ensureSiteBuilt(): string {
  const built = ['index.html', 'demo.html'].every((page) => existsSync(join(siteDirectory, page)));
  if (!built) {
    console.info('[docs test] dist/ is missing: building the site first (pnpm --filter docs build)');
    execFileSync('pnpm', ['run', 'build'], { cwd: docsRoot, stdio: 'inherit' });
  }
  return siteDirectory;
}

/** Every HTML page of the site as a URL path (`/guides/webgpu.html`), except the 404 page. */
export function sitePages(root: string): string[] {
  const pages: string[] = [];
  const walk = (directory: string): void => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.html') && path !== join(root, '404.html')) {
        pages.push(`/${relative(root, path).split('\\').join('/')}`);
      }
    }
  };
  walk(root);
  return pages.sort();
}
