import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { arGru, readSafetensors } from '@elk/cells';
import { evaluate } from '@elk/solvers';
import { describe, expect, it } from 'vitest';
import { dominantFrequency } from '../src/analysis/dominant-frequency.ts';
import { createRandom } from '../src/analysis/random.ts';
import { TRAIN, TRAINED_ARGRU_PATH } from '../src/defaults.ts';
import { parameterLayout, tensorsToParameters } from '../src/train/argru-parameters.ts';
import { sampleArgru } from '../src/train/argru-sample.ts';

const weightsPath = fileURLToPath(new URL(`../${TRAINED_ARGRU_PATH}`, import.meta.url));

describe('the committed trained AR-GRU', () => {
  const tensors = readSafetensors(new Uint8Array(readFileSync(weightsPath)));
  const layout = parameterLayout(TRAIN.hidden);
  const parameters = tensorsToParameters(layout, tensors);

  it.each([1, 2, 3])(
    'samples sine-like sequences (driver seed %i): dominant frequency within 10%% of the data',
    (seed) => {
      const drivers = createRandom(seed).fillNormal(new Float64Array(4_000));
      const samples = sampleArgru(layout, parameters, drivers);
      const frequency = dominantFrequency(samples);
      expect(Math.abs(frequency - 1 / TRAIN.period)).toBeLessThanOrEqual(0.1 / TRAIN.period);
    },
  );

  it("loads into @elk/cells' arGru, whose sequential evaluation reproduces the training code's sampler", async () => {
    const cell = arGru({ hidden: TRAIN.hidden, weights: tensors });
    const length = 4_000;
    const drivers = createRandom(11).fillNormal(new Float64Array(length));
    const { states } = await evaluate(cell, {
      inputs: drivers,
      initialState: new Float64Array(cell.stateSize),
      method: 'sequential',
    });
    const output = Float64Array.from({ length }, (_, t) => states[t * cell.stateSize] ?? Number.NaN);
    const reference = sampleArgru(layout, parameters, drivers);
    for (let t = 0; t < 1_000; t += 7) expect(output[t]).toBeCloseTo(reference[t] ?? Number.NaN, 6);
    expect(Math.abs(dominantFrequency(output) - 1 / TRAIN.period)).toBeLessThanOrEqual(0.1 / TRAIN.period);
  });

  it('the same check fails for an untrained AR-GRU (the test can tell)', () => {
    const untrained = new Float64Array(layout.size);
    const random = createRandom(9);
    for (let i = 0; i < untrained.length; i++) untrained[i] = 0.5 * random.normal();
    const samples = sampleArgru(layout, untrained, createRandom(1).fillNormal(new Float64Array(4_000)));
    expect(Math.abs(dominantFrequency(samples) - 1 / TRAIN.period)).toBeGreaterThan(0.1 / TRAIN.period);
  });
});

describe('dominantFrequency', () => {
  it('finds the frequency of a pure and of a noisy sine', () => {
    const random = createRandom(4);
    for (const period of [7.3, 25, 60]) {
      const clean = Float64Array.from({ length: 3_000 }, (_, t) => Math.sin((2 * Math.PI * t) / period + 1));
      const noisy = clean.map((x) => x + 0.5 * random.normal());
      expect(dominantFrequency(clean)).toBeCloseTo(1 / period, 3);
      expect(dominantFrequency(noisy)).toBeCloseTo(1 / period, 3);
    }
  });
});
