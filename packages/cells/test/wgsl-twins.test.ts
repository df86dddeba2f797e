import { describeWebGpu } from '@elk/testing';
import { it } from 'vitest';
import { elman } from '../src/elman.ts';
import { gru } from '../src/gru.ts';
import { lstm } from '../src/lstm.ts';
import { minGru } from '../src/min-gru.ts';
import { checkWgsl } from './helpers.ts';

describeWebGpu('gru WGSL twin', (gpu) => {
  it('matches the CPU for f, diagonal and dense Jacobian rows', async () => {
    for (const [hidden, input, seed] of [
      [1, 1, 1],
      [5, 3, 2],
      [8, 0, 3],
    ] as const) {
      await checkWgsl(gpu(), gru({ hidden, input, seed }), seed + 10);
      await checkWgsl(gpu(), gru({ hidden, input, seed, layout: 'torch' }), seed + 20);
    }
  });

  it('elman, lstm and minGru match the CPU', async () => {
    for (const [hidden, input, seed] of [
      [1, 1, 1],
      [6, 2, 2],
      [3, 0, 3],
    ] as const) {
      await checkWgsl(gpu(), elman({ hidden, input, seed }), seed + 30);
      await checkWgsl(gpu(), lstm({ hidden, input, seed, layout: 'torch' }), seed + 40);
      await checkWgsl(gpu(), minGru({ hidden, input, seed }), seed + 50);
    }
  });
});
