/**
 * `pnpm --filter @elk/bench bundle`: one self-contained ESM file, dist/bench.mjs, to carry the bench to a
 * machine without node_modules (e.g. a GPU host). `webgpu` (dawn.node: pass DAWN_NODE there) and
 * `@resvg/resvg-js` (native; PNGs are skipped without it) stay external. Package versions and the git commit
 * are baked in, since the bundle has no workspace to read them from.
 *
 * @module
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { readWorkspaceVersions } from '../src/environment/machine.ts';

const benchRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(benchRoot, 'dist', 'bench.mjs');

await build({
  entryPoints: [join(benchRoot, 'src', 'cli.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['webgpu', '@resvg/resvg-js'],
  define: { 'process.env.ELK_BUILD_INFO': JSON.stringify(JSON.stringify(readWorkspaceVersions())) },
  banner: {
    js: "import { createRequire as elkCreateRequire } from 'node:module'; const require = elkCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
process.stdout.write(`wrote ${outfile}\n`);
