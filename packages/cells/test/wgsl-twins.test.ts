import { describeWebGpu } from '@elk/testing';
import { it } from 'vitest';
import { gru } from '../src/gru.ts';
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
});
