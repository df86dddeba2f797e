import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../src/analysis/random.ts';
import { argruLoss } from '../src/train/argru-loss.ts';
import { initialParameters, parameterLayout } from '../src/train/argru-parameters.ts';
import { noisySineBatch } from '../src/train/sine-data.ts';

describe('AR-GRU loss gradient (hand-written BPTT)', () => {
  it('matches central finite differences on random parameters and data', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (hidden, batch, length, seed) => {
          const random = createRandom(seed);
          const layout = parameterLayout(hidden);
          const parameters = initialParameters(layout, random);
          // biases and decoder too: perturb every parameter away from the initialisation's zeros
          for (let i = 0; i < parameters.length; i++)
            parameters[i] = (parameters[i] ?? 0) + 0.3 * random.normal();
          const data = noisySineBatch({ period: 7, amplitude: 1.5, noise: 0.3 }, batch, length, random);
          const gradient = new Float64Array(layout.size);
          const loss = argruLoss(layout, parameters, data, gradient);
          expect(Number.isFinite(loss)).toBe(true);
          const h = 1e-6;
          for (let i = 0; i < layout.size; i++) {
            const saved = parameters[i] ?? 0;
            parameters[i] = saved + h;
            const up = argruLoss(layout, parameters, data);
            parameters[i] = saved - h;
            const down = argruLoss(layout, parameters, data);
            parameters[i] = saved;
            const numeric = (up - down) / (2 * h);
            const analytic = gradient[i] ?? Number.NaN;
            expect(Math.abs(analytic - numeric)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(numeric)));
          }
        },
      ),
      { seed: 20_241_128, numRuns: 60 },
    );
  });

  it('the loss without a gradient equals the loss with one', () => {
    const layout = parameterLayout(3);
    const parameters = initialParameters(layout, createRandom(5));
    const data = noisySineBatch({ period: 25, amplitude: 1, noise: 0.1 }, 2, 30, createRandom(6));
    expect(argruLoss(layout, parameters, data)).toBe(
      argruLoss(layout, parameters, data, new Float64Array(layout.size)),
    );
  });
});
