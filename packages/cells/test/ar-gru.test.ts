import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arGru } from '../src/ar-gru.ts';
import type { Tensor } from '../src/cell.ts';
import { defineCell } from '../src/define-cell.ts';
import { CellConfigError, WeightsError } from '../src/errors.ts';
import { checkCell, relativeError } from './helpers.ts';
import { referenceGruStep } from './reference-cells.ts';

/** The AR-GRU from flax-named weights, as the paper writes it, on any scalar algebra. */
function referenceArGru(weights: Record<string, Tensor>, hidden: number) {
  const gruStep = referenceGruStep(weights, hidden);
  const kernel = weights['decoder.kernel']!.data;
  const bias = weights['decoder.bias']!.data;
  return defineCell({
    name: 'reference-ar-gru',
    stateSize: hidden + 1,
    inputSize: 1,
    step: (s, u, m) => {
      const h = gruStep(s.slice(1), [s[0]!], m);
      const mu = m.add(
        m.dot(
          h,
          Array.from({ length: hidden }, (_, k) => kernel[2 * k]!),
        ),
        bias[0]!,
      );
      const rho = m.add(
        m.dot(
          h,
          Array.from({ length: hidden }, (_, k) => kernel[2 * k + 1]!),
        ),
        bias[1]!,
      );
      return [m.add(mu, m.mul(m.softplus(rho), u[0]!)), ...h];
    },
  });
}

const sizes = fc.record({
  hidden: fc.integer({ min: 1, max: 6 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 }),
  torch: fc.boolean(),
});

describe('arGru', () => {
  it('has exact Jacobians and a consistent diagonal, batch and f32', () => {
    fc.assert(
      fc.property(sizes, ({ hidden, seed, torch }) => {
        const cell = arGru({ hidden, seed, layout: torch ? 'torch' : 'flax' });
        expect([cell.stateSize, cell.inputSize]).toEqual([hidden + 1, 1]);
        checkCell(cell, seed + 1, { reference: referenceArGru(cell.weights('flax'), hidden) });
      }),
      { seed: 71, numRuns: 40 },
    );
  });

  it('reproduces its own sampler when rolled out sequentially with the same noise', () => {
    fc.assert(
      fc.property(sizes, fc.integer({ min: 1, max: 40 }), ({ hidden, seed }, length) => {
        const cell = arGru({ hidden, seed });
        const batch = 2;
        const D = hidden + 1;
        const initialState = new Float64Array(batch * D).map((_, i) => Math.sin(i + seed) / 2);
        const { states, noise } = cell.sample({ length, batch, seed: seed + 1, initialState });
        expect(noise.length).toBe(batch * length);
        let state: Float64Array | Float32Array = initialState.slice();
        const rolled = new Float64Array(batch * length * D);
        for (let t = 0; t < length; t++) {
          const eps = new Float64Array([noise[t]!, noise[length + t]!]);
          state = cell.step(state, eps, batch);
          rolled.set(state.subarray(0, D), t * D);
          rolled.set(state.subarray(D), (length + t) * D);
        }
        expect(relativeError(rolled, states, 1)).toBeLessThanOrEqual(1e-14);
      }),
      { seed: 72, numRuns: 25 },
    );
  });

  it('loads flax and PyTorch names (GRU names + decoder) and rejects bad ones', () => {
    const flax = arGru({ hidden: 3, seed: 9 });
    const torch = arGru({ hidden: 3, weights: flax.weights('torch') });
    const flaxAgain = arGru({ hidden: 3, weights: flax.weights('flax') });
    const s = new Float64Array([0.5, 0.1, -0.2, 0.3]);
    const u = new Float64Array([1.3]);
    expect(relativeError(torch.step(s, u, 1), flax.step(s, u, 1), 1)).toBeLessThanOrEqual(1e-15);
    expect(Array.from(flaxAgain.jacobian(s, u, 1))).toEqual(Array.from(flax.jacobian(s, u, 1)));
    expect(Object.keys(flax.weights('flax'))).toEqual(
      expect.arrayContaining(['ir.kernel', 'hn.bias', 'decoder.kernel', 'decoder.bias']),
    );
    expect(flax.weights('torch')['decoder.weight']!.shape).toEqual([2, 3]);
    const { 'decoder.bias': _, ...missing } = flax.weights('flax');
    expect(() => arGru({ hidden: 3, weights: missing })).toThrow(
      expect.objectContaining({ tensor: 'decoder.bias', expected: 'shape [2]' }),
    );
    const wrong = { ...flax.weights('flax'), 'decoder.kernel': { shape: [2, 3], data: new Float64Array(6) } };
    expect(() => arGru({ hidden: 3, weights: wrong })).toThrow(WeightsError);
    expect(() => flax.sample({ length: 0 })).toThrow(CellConfigError);
    expect(() => flax.sample({ length: 3, noise: new Float64Array(2) })).toThrow(
      expect.objectContaining({ argument: 'noise' }),
    );
  });
});
