import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../src/cell.ts';
import { elman } from '../src/elman.ts';
import { CellConfigError, WeightsError } from '../src/errors.ts';
import { lstm } from '../src/lstm.ts';
import { minGru } from '../src/min-gru.ts';
import { checkCell, relativeError } from './helpers.ts';
import { referenceElman, referenceLstm, referenceMinGru } from './reference-cells.ts';

const sizes = fc.record({
  hidden: fc.integer({ min: 1, max: 5 }),
  input: fc.integer({ min: 0, max: 3 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 }),
  torch: fc.boolean(),
});

/** flax-named gate weights → PyTorch names (stacked in `gates` order, kernels transposed). */
function toTorch(weights: Record<string, Tensor>, gates: string[], hidden: number, input: number) {
  const stack = (prefix: string, rows: number) => {
    const data = new Float64Array(gates.length * hidden * rows);
    gates.forEach((gate, q) => {
      const kernel = weights[`${prefix}${gate}.kernel`]!.data;
      for (let k = 0; k < hidden; k++) {
        for (let i = 0; i < rows; i++) data[(q * hidden + k) * rows + i] = kernel[i * hidden + k]!;
      }
    });
    return data;
  };
  const bias = new Float64Array(gates.length * hidden);
  gates.forEach((gate, q) => {
    bias.set(weights[`h${gate}.bias`]!.data, q * hidden);
  });
  return {
    weight_ih_l0: { shape: [gates.length * hidden, input], data: stack('i', input) },
    weight_hh_l0: { shape: [gates.length * hidden, hidden], data: stack('h', hidden) },
    bias_hh_l0: { shape: [gates.length * hidden], data: bias },
  };
}

describe('elman', () => {
  it('has exact Jacobians and a consistent diagonal, batch and f32', () => {
    fc.assert(
      fc.property(sizes, ({ hidden, input, seed, torch }) => {
        const cell = elman({ hidden, input, seed, layout: torch ? 'torch' : 'flax' });
        checkCell(cell, seed + 1, { reference: referenceElman(cell.weights('flax'), hidden, input) });
      }),
      { seed: 41, numRuns: 30 },
    );
  });

  it('loads PyTorch names like the equivalent flax names', () => {
    const cell = elman({ hidden: 3, input: 2, seed: 4 });
    const torch = elman({ hidden: 3, input: 2, weights: toTorch(cell.weights('flax'), [''], 3, 2) });
    const s = new Float64Array([0.3, -0.1, 0.8]);
    const u = new Float64Array([1, -2]);
    expect(relativeError(torch.step(s, u, 1), cell.step(s, u, 1), 1)).toBeLessThanOrEqual(1e-15);
  });
});

describe('lstm', () => {
  it('has exact Jacobians and a consistent diagonal, batch and f32', () => {
    fc.assert(
      fc.property(sizes, ({ hidden, input, seed, torch }) => {
        const cell = lstm({ hidden, input, seed, layout: torch ? 'torch' : 'flax' });
        expect(cell.stateSize).toBe(2 * hidden);
        checkCell(cell, seed + 1, { reference: referenceLstm(cell.weights('flax'), hidden, input) });
      }),
      { seed: 42, numRuns: 30 },
    );
  });

  it('loads PyTorch names like the equivalent flax names, and rejects misshapen ones', () => {
    fc.assert(
      fc.property(sizes, ({ hidden, input, seed }) => {
        const flax = lstm({ hidden, input, seed });
        const torch = lstm({
          hidden,
          input,
          weights: toTorch(flax.weights('flax'), ['i', 'f', 'g', 'o'], hidden, input),
        });
        const s = new Float64Array(2 * hidden).map((_, k) => Math.sin(3 * k + seed));
        const u = new Float64Array(input).map((_, i) => Math.cos(i + seed));
        expect(relativeError(torch.step(s, u, 1), flax.step(s, u, 1), 1)).toBeLessThanOrEqual(1e-15);
        const again = lstm({ hidden, input, weights: torch.weights('torch') });
        expect(Array.from(again.jacobian(s, u, 1))).toEqual(Array.from(torch.jacobian(s, u, 1)));
      }),
      { seed: 43, numRuns: 20 },
    );
    const weights = lstm({ hidden: 2, input: 1, layout: 'torch' }).weights('torch');
    expect(() =>
      lstm({
        hidden: 2,
        input: 1,
        weights: { ...weights, weight_ih_l0: { shape: [6, 1], data: new Float64Array(6) } },
      }),
    ).toThrow(expect.objectContaining({ tensor: 'weight_ih_l0', expected: 'shape [8, 1]' }));
    const { 'hf.bias': _, ...missing } = lstm({ hidden: 2, input: 1 }).weights('flax');
    expect(() => lstm({ hidden: 2, input: 1, weights: missing })).toThrow(WeightsError);
    expect(() => lstm({ hidden: 1.5, input: 1 })).toThrow(CellConfigError);
  });
});

describe('minGru', () => {
  it('has exact (diagonal) Jacobians, batch and f32', () => {
    fc.assert(
      fc.property(sizes, ({ hidden, input, seed }) => {
        const cell = minGru({ hidden, input, seed });
        checkCell(cell, seed + 1, { reference: referenceMinGru(cell.weights(), hidden, input) });
        const again = minGru({ hidden, input, weights: cell.weights() });
        const s = new Float64Array(hidden).fill(0.5);
        const u = new Float64Array(input).fill(-0.5);
        expect(Array.from(again.step(s, u, 1))).toEqual(Array.from(cell.step(s, u, 1)));
      }),
      { seed: 44, numRuns: 30 },
    );
    expect(() => minGru({ hidden: 2, input: 3, weights: minGru({ hidden: 2, input: 2 }).weights() })).toThrow(
      expect.objectContaining({ tensor: 'z.kernel', expected: 'shape [3, 2]' }),
    );
  });
});
