/**
 * Everything the site generates before VitePress runs: the API reference, the figure gallery and the files
 * copied from apps/bench. `pnpm --filter docs build` and `dev` run this first.
 *
 * @module
 */

import { copyBenchAssets } from './copy-bench-assets.ts';
import { generateApiReference } from './generate-api.ts';

const started = performance.now();
await generateApiReference();
const assets = await copyBenchAssets();
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.info(
  `docs: API reference generated; ${assets.figures} figure file(s) copied` +
    `${assets.trainedArGru ? ', trained AR-GRU copied' : ''} (${seconds} s)`,
);
