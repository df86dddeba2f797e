/**
 * Where the site's sources, generated pages and build output live. Every path is absolute, resolved from this
 * file, so the scripts and tests work from any working directory.
 *
 * @module
 */

import { fileURLToPath } from 'node:url';

const here = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url));

/** apps/docs, the VitePress project root. */
export const docsRoot = here('../../');
/** The repository root. */
export const repositoryRoot = here('../../../../');
/** The Markdown pages (VitePress `srcDir`). */
export const contentDirectory = here('../../content/');
/** The generated API reference, one page per package (git-ignored). */
export const apiDirectory = here('../../content/api/');
/** Files served as-is that the build copies in: the bench's figures and the trained AR-GRU (git-ignored). */
export const generatedPublicDirectory = here('../../content/public/generated/');
/** The generated gallery included by the Figures page (git-ignored). */
export const generatedFiguresPage = here('../../content/figures/generated.md');
/** The static site that `vitepress build` writes (VitePress `outDir`). */
export const siteDirectory = here('../../dist/');
/**
 * The bench's results: `<figure>/` folders with SVG, PNG and JSON. `ELK_BENCH_RESULTS` points the build at
 * another folder (e.g. a `pnpm bench --out DIR` run).
 */
export const benchResultsDirectory = process.env.ELK_BENCH_RESULTS ?? here('../../../bench/results/');
/** The trained AR-GRU of the bench (paper Fig. 4), when it has been trained and committed. */
export const trainedArGruFile = here('../../../bench/models/argru-sine.safetensors');
