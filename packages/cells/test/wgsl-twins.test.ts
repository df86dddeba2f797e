import { describeWebGpu } from '@elk/testing';
import { it } from 'vitest';
import { arGru } from '../src/ar-gru.ts';
import { elman } from '../src/elman.ts';
import { gru } from '../src/gru.ts';
import { lorenz96 } from '../src/lorenz96.ts';
import { lstm } from '../src/lstm.ts';
import { minGru } from '../src/min-gru.ts';
import { checkWgsl } from './helpers.ts';

describeWebGpu('cell WGSL twins', (gpu) => {
  it('gru (flax and torch layouts) matches the CPU for f, diagonal and dense Jacobian rows', async () => {
    await checkWgsl(gpu(), gru({ hidden: 1, input: 1, seed: 1 }), 11);
    await checkWgsl(gpu(), gru({ hidden: 5, input: 3, seed: 2, layout: 'torch' }), 12);
    await checkWgsl(gpu(), gru({ hidden: 8, input: 0, seed: 3 }), 13);
  });

  it('elman, lstm and minGru match the CPU', async () => {
    for (const [hidden, input, seed] of [
      [1, 1, 1],
      [5, 2, 2],
    ] as const) {
      await checkWgsl(gpu(), elman({ hidden, input: seed === 1 ? 0 : input, seed }), seed + 30);
      await checkWgsl(gpu(), lstm({ hidden, input, seed, layout: seed === 1 ? 'flax' : 'torch' }), seed + 40);
      await checkWgsl(gpu(), minGru({ hidden, input, seed }), seed + 50);
    }
  });

  it('lorenz96 (RK4 and Dopri5) matches the CPU', async () => {
    await checkWgsl(gpu(), lorenz96({ dim: 5 }), 61, 40, 4);
    await checkWgsl(gpu(), lorenz96({ dim: 6, forcing: 5, dt: 0.02, integrator: 'rk4' }), 62, 40, 4);
  });

  it('arGru matches the CPU', async () => {
    await checkWgsl(gpu(), arGru({ hidden: 1, seed: 1 }), 81);
    await checkWgsl(gpu(), arGru({ hidden: 5, seed: 2, layout: 'torch' }), 82);
  });
});
