import { describeWebGpu } from '@elk/testing';
import { it } from 'vitest';
import { arGru } from '../src/ar-gru.ts';
import { defineCell } from '../src/define-cell.ts';
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

  it('a defineCell cell with a user-written twin matches its dual-number Jacobians', async () => {
    const decay = 0.9;
    const code = /* wgsl */ `
fn cell_logistic(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
fn cell_step(s: array<f32, STATE_SIZE>, u: array<f32, INPUT_SIZE>) -> array<f32, STATE_SIZE> {
  var out: array<f32, STATE_SIZE>;
  out[0] = tanh(cell_params[0] * s[0] + u[0]);
  out[1] = cell_logistic(s[0]) * s[1];
  return out;
}
fn cell_step_diagonal(
  s: array<f32, STATE_SIZE>, u: array<f32, INPUT_SIZE>, diagonal: ptr<function, array<f32, STATE_SIZE>>,
) -> array<f32, STATE_SIZE> {
  let out = cell_step(s, u);
  (*diagonal)[0] = cell_params[0] * (1.0 - out[0] * out[0]);
  (*diagonal)[1] = cell_logistic(s[0]);
  return out;
}
fn cell_jacobian_row(s: array<f32, STATE_SIZE>, u: array<f32, INPUT_SIZE>, row: u32) -> array<f32, STATE_SIZE> {
  let out = cell_step(s, u);
  let g = cell_logistic(s[0]);
  var result: array<f32, STATE_SIZE>;
  if (row == 0u) {
    result[0] = cell_params[0] * (1.0 - out[0] * out[0]);
  } else {
    result[0] = g * (1.0 - g) * s[1];
    result[1] = g;
  }
  return result;
}
`;
    const cell = defineCell({
      name: 'damped',
      stateSize: 2,
      inputSize: 1,
      step: (s, u, m) => [m.tanh(m.add(m.mul(decay, s[0]!), u[0]!)), m.mul(m.sigmoid(s[0]!), s[1]!)],
      wgsl: { code, parameters: new Float32Array([decay]), key: 'damped-v1' },
    });
    await checkWgsl(gpu(), cell, 91);
  });
});
