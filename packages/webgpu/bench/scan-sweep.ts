/**
 * The diagonal scan's bandwidth over shapes and chunk lengths, on whatever adapter is found: for each
 * `--shapes B:T:D` and each `--chunks L` (0: the kernel's own choice), both variants (three-pass and
 * single-pass) on random resident data, beside the copy bandwidth of the same run. Prints one JSON row per
 * measurement; writes them to `$OUT/scan-sweep.json` when OUT is set.
 *
 * `--ablations no-lookback,window-16` also times altered kernels, each on a fresh device whose pipeline cache
 * holds the altered kernel under the kernel's own key: `no-lookback`, the scalar kernel (D not a multiple of
 * 4) with its look-back cut out (every chunk starts from the initial state: wrong results, the in-workgroup
 * cost alone); `window-N`, the vec4 kernel polling N predecessors per look-back round.
 *
 * Run: `pnpm --filter @elk/webgpu exec tsx bench/scan-sweep.ts --shapes 16:781250:8 --chunks 0,256,2048`
 * (or the bundle `apps/bench/dist/scan-sweep.mjs` with node on the GPU machine).
 */

import { writeFileSync } from 'node:fs';
import { createWebGpuBackend, warmUpGpu } from '../src/index.ts';
import { singlePassMostSteps, singlePassScanWgsl } from '../src/kernels/single-pass-diagonal-scan.ts';
import { vectorScanMaxSteps, vectorScanWgsl } from '../src/kernels/single-pass-vector-scan.ts';
import { cachedPipeline } from '../src/pipeline-cache.ts';
import { argument, listArgument } from './support.ts';

const shapes = listArgument('shapes', '16:781250:8').map(
  (shape) => shape.split(':').map(Number) as [number, number, number],
);
const chunks = listArgument('chunks', '0').map(Number);
const repetitions = Number(argument('repetitions', '7'));
const warmMilliseconds = Number(argument('warm-ms', '200'));
/** Dawn toggles for dawn.node's `create()`, e.g. `disable-dawn-features=timestamp_quantization`. */
const dawnOptions = argument('dawn', '')
  .split(' ')
  .filter((option) => option !== '');

const ablations = ['', ...listArgument('ablations', '')];
/** The kernel source of an ablation (K steps per invocation). */
function ablated(ablation: string, steps: number): string {
  const source = singlePassScanWgsl(steps);
  if (ablation === 'no-lookback') return source.replace('if (chunk > 0u) {', 'if (chunk > 0u && false) {');
  throw new Error(`unknown ablation ${ablation}`);
}
const rows: Record<string, unknown>[] = [];
const emit = (row: Record<string, unknown>) => {
  rows.push(row);
  console.log(JSON.stringify(row));
};

for (const ablation of ablations) {
  const backend = await createWebGpuBackend({ dawnOptions });
  const windowAblation = /^window-(\d+)$/.exec(ablation);
  if (windowAblation) {
    // The vec4 kernel polling this many predecessors per look-back round, for every D of the sweep.
    for (const [, , dim] of shapes) {
      for (let steps = 1; steps <= vectorScanMaxSteps; steps++) {
        cachedPipeline(backend.device, `single-pass-scan/vec4/d${dim}/k${steps}`, () =>
          vectorScanWgsl(dim, steps, false, Number(windowAblation[1])),
        );
      }
    }
  } else if (ablation !== '') {
    const most = singlePassMostSteps(backend.device.limits.maxComputeWorkgroupStorageSize);
    for (let steps = 1; steps <= most; steps++) {
      cachedPipeline(backend.device, `single-pass-scan/k${steps}`, () => ablated(ablation, steps));
    }
  }
  await warmUpGpu(backend.device, warmMilliseconds, { mostMilliseconds: 1500 });
  const copy = await backend.copyBandwidth({ repetitions });
  emit({ kernel: 'copy', ablation, bytes: copy.bytes, tbPerSecond: copy.bytesPerSecond / 1e12 });
  for (const [batch, length, dim] of shapes) {
    for (const chunk of chunks) {
      await warmUpGpu(backend.device, warmMilliseconds, { mostMilliseconds: 1500 });
      const scan = await backend.diagonalScanBandwidth({
        batch,
        length,
        dim,
        repetitions,
        ...(chunk > 0 ? { chunk } : {}),
      });
      for (const variant of scan.variants) {
        emit({
          kernel: `scan/${variant.variant}`,
          ablation,
          batch,
          length,
          dim,
          chunk,
          elements: variant.elements,
          ms: variant.measurement.medianMs,
          tbPerSecond: variant.bytesPerSecond / 1e12,
          fractionOfCopy: variant.bytesPerSecond / copy.bytesPerSecond,
        });
      }
    }
  }
  backend.destroy();
}
if (process.env.OUT)
  writeFileSync(`${process.env.OUT}/scan-sweep.json`, `${JSON.stringify(rows, null, 1)}\n`);
