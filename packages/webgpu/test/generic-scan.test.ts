import { diagonalFilterOperator } from '@elk/kalman';
import { affineDiagonalOperator, associativeScan } from '@elk/scan';
import { describeWebGpu } from '@elk/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WebGpuBackend } from '../src/index.ts';
import { maxRelativeError, randomArray, testBackend } from './helpers.ts';

describeWebGpu('generic scan of operators with WGSL twins', (gpu) => {
  let backend: WebGpuBackend;
  beforeAll(async () => {
    expect(gpu().device).toBeDefined();
    backend = await testBackend();
  });
  afterAll(() => backend.destroy());

  it('affine-diagonal elements: equals associativeScan on the CPU (forward and reverse, batched)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          batch: fc.integer({ min: 1, max: 3 }),
          length: fc.integer({ min: 1, max: 400 }),
          reverse: fc.boolean(),
          chunk: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
          seed: fc.integer({ min: 1, max: 1 << 20 }),
        }),
        async ({ batch, length, reverse, chunk, seed }) => {
          const words = randomArray(batch * length * 2, seed, -1.05, 1.05);
          const result = await backend.scan(affineDiagonalOperator, words, {
            batch,
            length,
            elementWords: 2,
            reverse,
            chunk,
          });
          const expected = new Float32Array(words.length);
          for (let b = 0; b < batch; b++) {
            const elements = Array.from({ length }, (_, t) => ({
              a: words[(b * length + t) * 2] ?? 0,
              b: words[(b * length + t) * 2 + 1] ?? 0,
            }));
            associativeScan(affineDiagonalOperator, elements, { reverse }).forEach((element, t) => {
              expected[(b * length + t) * 2] = element.a;
              expected[(b * length + t) * 2 + 1] = element.b;
            });
          }
          expect(maxRelativeError(result, expected)).toBeLessThan(1e-4);
        },
      ),
      { seed: 6108, numRuns: 25 },
    );
  });

  it('Kalman filter elements (five fields): equals associativeScan on the CPU', async () => {
    const length = 257;
    const raw = randomArray(length * 5, 77, 0.05, 0.9);
    const elements = Array.from({ length }, (_, t) => ({
      A: raw[t * 5] ?? 0,
      b: raw[t * 5 + 1] ?? 0,
      C: raw[t * 5 + 2] ?? 0,
      eta: raw[t * 5 + 3] ?? 0,
      J: raw[t * 5 + 4] ?? 0,
    }));
    const expected = associativeScan(diagonalFilterOperator, elements).flatMap((e) => [
      e.A,
      e.b,
      e.C,
      e.eta,
      e.J,
    ]);
    const result = await backend.scan(diagonalFilterOperator, raw, { length, elementWords: 5, chunk: 9 });
    expect(maxRelativeError(result, expected)).toBeLessThan(1e-4);
  });
});
