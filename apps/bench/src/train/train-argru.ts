import { dominantFrequency } from '../analysis/dominant-frequency.ts';
import { createRandom } from '../analysis/random.ts';
import type { TrainSettings } from '../defaults.ts';
import { createAdam } from './adam.ts';
import { argruLoss } from './argru-loss.ts';
import { initialParameters, type ParameterLayout, parameterLayout } from './argru-parameters.ts';
import { sampleArgru } from './argru-sample.ts';
import { noisySineBatch } from './sine-data.ts';

/** The outcome of {@link trainArgru}. */
export interface TrainedArgru {
  layout: ParameterLayout;
  parameters: Float64Array;
  /** Training loss (mean NLL per step) after each Adam step. */
  losses: Float64Array;
  /** NLL of a held-out batch before and after training. */
  heldOutLoss: { initial: number; final: number };
  /** Dominant frequency (cycles/step) of the clean training sine, and of a sequential sample of the model. */
  frequency: { data: number; samples: number };
  /** A sequential sample x_1..x_N of the trained model (the drivers are N(0,1) from the seed). */
  sample: Float64Array;
}

/** Length of the sequential sample used to check the trained model's frequency. */
export const SAMPLE_LENGTH = 2_000;

/**
 * Trains an AR-GRU on noisy sine waves by Adam on the Gaussian one-step-ahead NLL, with the gradient from
 * hand-written backpropagation through time (see `argru-loss.ts`); fresh sequences every step.
 *
 * @example
 * ```ts
 * const trained = trainArgru(TRAIN, 0);
 * trained.frequency; // { data: 0.04, samples: ≈0.04 }
 * ```
 */
export function trainArgru(
  settings: TrainSettings,
  seed: number,
  onStep?: (step: number, loss: number) => void,
): TrainedArgru {
  const random = createRandom(seed);
  const layout = parameterLayout(settings.hidden);
  const parameters = initialParameters(layout, random);
  const gradient = new Float64Array(layout.size);
  const adam = createAdam(layout.size, { learningRate: settings.learningRate, clipNorm: 1 });
  const heldOut = noisySineBatch(settings, settings.batch, settings.length, createRandom(seed + 1_000_003));
  const initial = argruLoss(layout, parameters, heldOut);
  const losses = new Float64Array(settings.steps);
  for (let step = 0; step < settings.steps; step++) {
    const batch = noisySineBatch(settings, settings.batch, settings.length, random);
    const loss = argruLoss(layout, parameters, batch, gradient);
    adam.step(parameters, gradient);
    losses[step] = loss;
    onStep?.(step, loss);
  }
  const final = argruLoss(layout, parameters, heldOut);
  const sample = sampleArgru(
    layout,
    parameters,
    createRandom(seed + 7).fillNormal(new Float64Array(SAMPLE_LENGTH)),
  );
  return {
    layout,
    parameters,
    losses,
    heldOutLoss: { initial, final },
    frequency: { data: 1 / settings.period, samples: dominantFrequency(sample) },
    sample,
  };
}
