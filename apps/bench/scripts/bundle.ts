/**
 * `pnpm --filter @elk/bench bundle`: self-contained ESM files to carry the bench to a machine without
 * node_modules (e.g. a GPU host): dist/bench.mjs (the CLI) and dist/gpu-grid-report.mjs (reports gpu-grid
 * runs from their partial files there). `webgpu` (dawn.node: pass DAWN_NODE there) and `@resvg/resvg-js`
 * (native; PNGs are skipped without it) stay external. Package versions and the git commit are baked in,
 * since the bundle has no workspace to read them from, and written to dist/bundle-info.json with whether the
 * working tree had uncommitted changes.
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { readWorkspaceVersions } from '../src/environment/machine.ts';

const benchRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const entries = [
  [join(benchRoot, 'src', 'cli.ts'), join(benchRoot, 'dist', 'bench.mjs')],
  [join(benchRoot, 'scripts', 'gpu-grid-report.ts'), join(benchRoot, 'dist', 'gpu-grid-report.mjs')],
  [
    join(benchRoot, '..', '..', 'packages', 'webgpu', 'bench', 'profile.ts'),
    join(benchRoot, 'dist', 'webgpu-profile.mjs'),
  ],
  [
    join(benchRoot, '..', '..', 'packages', 'webgpu', 'bench', 'scan-sweep.ts'),
    join(benchRoot, 'dist', 'scan-sweep.mjs'),
  ],
] as const;
const versions = readWorkspaceVersions();

for (const [entry, outfile] of entries) {
  await bundle(entry, outfile);
  process.stdout.write(`wrote ${outfile}\n`);
}
let dirty: boolean | null = null;
try {
  dirty =
    execFileSync('git', ['status', '--porcelain', '--', 'apps/bench', 'packages'], {
      cwd: join(benchRoot, '..', '..'),
      encoding: 'utf8',
    }).trim() !== '';
} catch {
  dirty = null;
}
const info = join(benchRoot, 'dist', 'bundle-info.json');
writeFileSync(
  info,
  `${JSON.stringify({ ...versions, uncommittedChanges: dirty, builtAt: new Date().toISOString() }, null, 2)}\n`,
);
process.stdout.write(`wrote ${info}\n`);

async function bundle(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['webgpu', '@resvg/resvg-js'],
    define: { 'process.env.ELK_BUILD_INFO': JSON.stringify(JSON.stringify(versions)) },
    banner: {
      js: "import { createRequire as elkCreateRequire } from 'node:module'; const require = elkCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
}
