import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../src/cell.ts';
import { CellConfigError, WeightsError } from '../src/errors.ts';
import { gru } from '../src/gru.ts';
import { checkCell, relativeError } from './helpers.ts';
import { referenceGru } from './reference-cells.ts';

const sizes = fc.record({
  hidden: fc.integer({ min: 1, max: 6 }),
  input: fc.integer({ min: 0, max: 3 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 }),
  torch: fc.boolean(),
});

/** flax-named weights → PyTorch-named (kernels transposed, gates stacked r, z, n). */
function toTorch(weights: Record<string, Tensor>, hidden: number, input: number): Record<string, Tensor> {
  const stack = (names: string[], rows: number) => {
    const data = new Float64Array(3 * hidden * rows);
    names.forEach((name, gate) => {
      const kernel = weights[name]!.data;
      for (let k = 0; k < hidden; k++) {
        for (let i = 0; i < rows; i++) data[(gate * hidden + k) * rows + i] = kernel[i * hidden + k]!;
      }
    });
    return data;
  };
  const biases = (names: (string | undefined)[]) => {
    const data = new Float64Array(3 * hidden);
    names.forEach((name, gate) => {
      if (name) data.set(weights[name]!.data, gate * hidden);
    });
    return data;
  };
  return {
    weight_ih_l0: { shape: [3 * hidden, input], data: stack(['ir.kernel', 'iz.kernel', 'in.kernel'], input) },
    weight_hh_l0: {
      shape: [3 * hidden, hidden],
      data: stack(['hr.kernel', 'hz.kernel', 'hn.kernel'], hidden),
    },
    bias_ih_l0: { shape: [3 * hidden], data: biases(['ir.bias', 'iz.bias', 'in.bias']) },
    bias_hh_l0: { shape: [3 * hidden], data: biases([undefined, undefined, 'hn.bias']) },
  };
}

describe('gru', () => {
  it('has exact Jacobians (finite differences, dual numbers), consistent diagonal, batch and f32', () => {
    fc.assert(
      fc.property(sizes, ({ hidden, input, seed, torch }) => {
        const cell = gru({ hidden, input, seed, layout: torch ? 'torch' : 'flax' });
        checkCell(cell, seed + 1, { reference: referenceGru(cell.weights('flax'), hidden, input) });
      }),
      { seed: 31, numRuns: 40 },
    );
  });

  it('matches values computed by hand', () => {
    // H = 1, I = 1: r = σ(0) = 1/2, z = σ(0) = 1/2, n = tanh(1·x + r·(2·h)) with x = 1, h = 0.5.
    const scalar = (value: number) => ({ shape: [1, 1], data: new Float64Array([value]) });
    const bias = (value: number) => ({ shape: [1], data: new Float64Array([value]) });
    const cell = gru({
      hidden: 1,
      input: 1,
      weights: {
        'ir.kernel': scalar(0),
        'ir.bias': bias(0),
        'iz.kernel': scalar(0),
        'iz.bias': bias(0),
        'in.kernel': scalar(1),
        'in.bias': bias(0),
        'hr.kernel': scalar(0),
        'hz.kernel': scalar(0),
        'hn.kernel': scalar(2),
        'hn.bias': bias(0),
      },
    });
    const [value] = cell.step(new Float64Array([0.5]), new Float64Array([1]), 1);
    // n = tanh(1.5) = 0.9051482536448664; h' = n/2 + 0.25
    expect(value).toBeCloseTo(0.5 * 0.9051482536448664 + 0.25, 14);
    // ∂h'/∂h = (1 - z)(1 - n²)·r·2 + z = 0.5·(1 - n²) + 0.5
    const [slope] = cell.jacobian(new Float64Array([0.5]), new Float64Array([1]), 1);
    expect(slope).toBeCloseTo(0.5 * (1 - 0.9051482536448664 ** 2) + 0.5, 14);

    // H = 2, I = 1 with a z-gate bias: z = σ(ln 3) = 3/4 for unit 0, and every other term zero but in.kernel.
    const zeros = (shape: number[]) => ({ shape, data: new Float64Array(shape[0]! * (shape[1] ?? 1)) });
    const two = gru({
      hidden: 2,
      input: 1,
      weights: {
        'ir.kernel': zeros([1, 2]),
        'ir.bias': zeros([2]),
        'iz.kernel': zeros([1, 2]),
        'iz.bias': { shape: [2], data: new Float64Array([Math.log(3), 0]) },
        'in.kernel': { shape: [1, 2], data: new Float64Array([0, 1]) },
        'in.bias': zeros([2]),
        'hr.kernel': zeros([2, 2]),
        'hz.kernel': zeros([2, 2]),
        'hn.kernel': zeros([2, 2]),
        'hn.bias': zeros([2]),
      },
    });
    const out = two.step(new Float64Array([0.4, -0.2]), new Float64Array([2]), 1);
    // unit 0: n = tanh(0) = 0, h' = 3/4 · 0.4 = 0.3; unit 1: n = tanh(2) = 0.9640275800758169, z = 1/2.
    expect(out[0]).toBeCloseTo(0.3, 14);
    expect(out[1]).toBeCloseTo(0.5 * 0.9640275800758169 + 0.5 * -0.2, 14);
  });

  it('loads PyTorch names with the same result as the equivalent flax names, under any prefix', () => {
    fc.assert(
      fc.property(sizes, ({ hidden, input, seed }) => {
        const flax = gru({ hidden, input, seed });
        const flaxWeights = flax.weights('flax');
        const torchWeights = toTorch(flaxWeights, hidden, input);
        const torch = gru({ hidden, input, weights: torchWeights });
        const prefixed = gru({
          hidden,
          input,
          weights: Object.fromEntries(Object.entries(torchWeights).map(([name, t]) => [`rnn.${name}`, t])),
        });
        const flaxPrefixed = gru({
          hidden,
          input,
          weights: Object.fromEntries(
            Object.entries(flaxWeights).map(([name, t]) => [`params/cell/${name}`, t]),
          ),
        });
        const states = new Float64Array(hidden).map((_, k) => Math.sin(k + seed));
        const inputs = new Float64Array(input).map((_, i) => Math.cos(i - seed));
        const expected = flax.step(states, inputs, 1);
        for (const other of [torch, prefixed, flaxPrefixed]) {
          expect(relativeError(other.step(states, inputs, 1), expected, 1)).toBeLessThanOrEqual(1e-15);
        }
        const roundTrip = gru({ hidden, input, weights: torch.weights('torch') });
        expect(Array.from(roundTrip.step(states, inputs, 1))).toEqual(
          Array.from(torch.step(states, inputs, 1)),
        );
      }),
      { seed: 32, numRuns: 30 },
    );
  });

  it('initialises like flax: orthogonal recurrent kernels, lecun-normal input kernels, zero biases', () => {
    const hidden = 24;
    const input = 40;
    const cell = gru({ hidden, input, seed: 7 });
    const weights = cell.weights('flax');
    for (const name of ['hr.kernel', 'hz.kernel', 'hn.kernel']) {
      const q = weights[name]!.data;
      for (let a = 0; a < hidden; a++) {
        for (let b = 0; b < hidden; b++) {
          let dot = 0;
          for (let k = 0; k < hidden; k++) dot += q[k * hidden + a]! * q[k * hidden + b]!;
          expect(dot).toBeCloseTo(a === b ? 1 : 0, 12);
        }
      }
    }
    const kernel = Array.from(weights['ir.kernel']!.data);
    const variance = kernel.reduce((sum, w) => sum + w * w, 0) / kernel.length;
    expect(variance).toBeGreaterThan(0.8 / input);
    expect(variance).toBeLessThan(1.2 / input);
    const bound = (2 * Math.sqrt(1 / input)) / 0.8796256610342398;
    expect(Math.max(...kernel.map(Math.abs))).toBeLessThanOrEqual(bound);
    for (const name of ['ir.bias', 'iz.bias', 'in.bias', 'hn.bias']) {
      expect(Array.from(weights[name]!.data)).toEqual(new Array(hidden).fill(0));
    }
    expect(Array.from(gru({ hidden, input, seed: 7 }).parameters.recurrentKernels)).toEqual(
      Array.from(cell.parameters.recurrentKernels),
    );
    expect(Array.from(gru({ hidden, input, seed: 8 }).parameters.recurrentKernels)).not.toEqual(
      Array.from(cell.parameters.recurrentKernels),
    );
    const torch = gru({ hidden, input, seed: 7, layout: 'torch' }).parameters;
    const all = [
      ...torch.inputKernels,
      ...torch.recurrentKernels,
      ...torch.inputBias,
      ...torch.recurrentBias,
    ];
    expect(Math.max(...all.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(hidden));
  });

  it('rejects bad options, weights and arrays with typed errors', () => {
    expect(() => gru({ hidden: 0, input: 1 })).toThrow(CellConfigError);
    expect(() => gru({ hidden: 2, input: -1 })).toThrow(/input/);
    expect(() => gru({ hidden: 2, input: 1, layout: 'keras' as 'flax' })).toThrow(CellConfigError);
    const weights = gru({ hidden: 3, input: 2 }).weights('flax');
    const { 'hn.bias': _, ...missing } = weights;
    expect(() => gru({ hidden: 3, input: 2, weights: missing })).toThrow(
      expect.objectContaining({ name: 'WeightsError', tensor: 'hn.bias', expected: 'shape [3]' }),
    );
    expect(() =>
      gru({
        hidden: 3,
        input: 2,
        weights: { ...weights, 'ir.kernel': { shape: [3, 2], data: new Float64Array(6) } },
      }),
    ).toThrow(
      expect.objectContaining({ tensor: 'ir.kernel', expected: 'shape [2, 3]', received: 'shape [3, 2]' }),
    );
    expect(() => gru({ hidden: 4, input: 2, weights })).toThrow(WeightsError);
    const torch = gru({ hidden: 3, input: 2, layout: 'torch' }).weights('torch');
    expect(() =>
      gru({
        hidden: 3,
        input: 2,
        weights: { ...torch, weight_hh_l0: { shape: [9, 2], data: new Float64Array(18) } },
      }),
    ).toThrow(expect.objectContaining({ tensor: 'weight_hh_l0', expected: 'shape [9, 3]' }));
    const nan = { ...weights, 'hz.kernel': { shape: [3, 3], data: new Float64Array(9).fill(Number.NaN) } };
    expect(() => gru({ hidden: 3, input: 2, weights: nan })).toThrow(WeightsError);
    const cell = gru({ hidden: 3, input: 2 });
    expect(() => cell.step(new Float64Array(5), new Float64Array(4), 2)).toThrow(
      expect.objectContaining({ name: 'CellConfigError', argument: 'states' }),
    );
    expect(() => cell.step(new Float64Array(6), new Float64Array(3), 2)).toThrow(
      expect.objectContaining({ argument: 'inputs' }),
    );
    expect(() => cell.jacobian(new Float64Array(6), new Float64Array(4), 2, new Float64Array(17))).toThrow(
      expect.objectContaining({ argument: 'out', expected: 'length 18 (batch × stateSize × stateSize)' }),
    );
    expect(() => cell.step(new Float64Array(6), new Float64Array(4), 1.5)).toThrow(CellConfigError);
    const shared = new Float64Array(6);
    expect(() => cell.step(shared, new Float64Array(4), 2, shared)).toThrow(
      expect.objectContaining({ argument: 'out', received: 'memory shared with states' }),
    );
  });
});
