import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { writeSafetensors } from '@elk/cells';
import type { RunContext } from '../cli/run-context.ts';
import { TRAIN, TRAINED_ARGRU_PATH } from '../defaults.ts';
import type { FigureResult, Row } from '../output/figure-result.ts';
import { formatNumber, formatSeconds } from '../output/table.ts';
import { parametersToTensors } from './argru-parameters.ts';
import { trainArgru } from './train-argru.ts';

/** Where `train-argru` writes the weights: models/ under apps/bench, or `<out>/train-argru/` with `--out`. */
export function trainedWeightsPath(context: RunContext): string {
  return context.options.out === undefined
    ? join(context.benchRoot, TRAINED_ARGRU_PATH)
    : join(resolve(context.options.out), 'train-argru', 'argru-sine.safetensors');
}

/**
 * `pnpm bench train-argru`: trains the 3-unit AR-GRU on noisy sine waves (settings in `defaults.ts`,
 * `TRAIN`), writes the weights as safetensors, and reports the loss curve and a sequential sample.
 */
export async function runTrainArgruCommand(context: RunContext): Promise<FigureResult> {
  const settings = TRAIN;
  const seed = context.options.seed;
  context.progress.start('train-argru', settings.steps);
  const started = performance.now();
  const trained = trainArgru(settings, seed, () => context.progress.advance());
  const seconds = (performance.now() - started) / 1000;
  context.progress.stop();
  const path = trainedWeightsPath(context);
  await mkdir(dirname(path), { recursive: true });
  const metadata = {
    model:
      'AR-GRU: h_t = GRU(h_{t-1}, x_{t-1}) (flax GRUCell), [mu, rho] = h_t decoder.kernel + decoder.bias, x_t = mu + softplus(rho) eps_t',
    hidden: String(settings.hidden),
    data: `noisy sine: period ${settings.period}, amplitude ${settings.amplitude}, noise ${settings.noise}`,
    seed: String(seed),
  };
  await writeFile(path, writeSafetensors(parametersToTensors(trained.layout, trained.parameters), metadata));
  const losses: Row[] = Array.from(trained.losses, (loss, step) => ({ step: step + 1, loss }));
  const samples: Row[] = Array.from(trained.sample.subarray(0, 300), (x, t) => ({
    t: t + 1,
    sample: x,
    clean_sine: settings.amplitude * Math.sin((2 * Math.PI * (t + 1)) / settings.period),
  }));
  const relativeFrequencyError =
    Math.abs(trained.frequency.samples - trained.frequency.data) / trained.frequency.data;
  return {
    figure: 'train-argru',
    notes: [
      `weights written to ${path}`,
      'Gaussian one-step-ahead NLL, Adam, backpropagation through time written by hand (src/train/argru-loss.ts), f64 on the CPU',
    ],
    parameters: { ...settings, seed, weights: path },
    tables: {
      losses,
      samples,
      result: [
        {
          heldOutLossInitial: trained.heldOutLoss.initial,
          heldOutLossFinal: trained.heldOutLoss.final,
          dataFrequency: trained.frequency.data,
          sampleFrequency: trained.frequency.samples,
          relativeFrequencyError,
          seconds,
        },
      ],
    },
    plots: [
      {
        name: 'loss',
        spec: {
          title: 'AR-GRU training: one-step-ahead NLL per step',
          width: 480,
          height: 260,
          data: { values: losses },
          mark: 'line',
          encoding: {
            x: { field: 'step', type: 'quantitative', title: 'Adam step' },
            y: { field: 'loss', type: 'quantitative', title: 'mean NLL' },
          },
        },
      },
      {
        name: 'sample',
        spec: {
          title: 'A sequential sample of the trained AR-GRU vs the clean training sine',
          width: 600,
          height: 220,
          data: { values: samples },
          transform: [{ fold: ['sample', 'clean_sine'], as: ['series', 'x'] }],
          mark: 'line',
          encoding: {
            x: { field: 't', type: 'quantitative', title: 't' },
            y: { field: 'x', type: 'quantitative', title: 'x_t' },
            color: { field: 'series', type: 'nominal' },
          },
        },
      },
    ],
    summary: {
      title: 'train-argru: 3-unit AR-GRU on noisy sine waves',
      columns: ['steps', 'held-out NLL (before → after)', 'data freq', 'sample freq', 'time'],
      rows: [
        [
          String(settings.steps),
          `${formatNumber(trained.heldOutLoss.initial)} → ${formatNumber(trained.heldOutLoss.final)}`,
          formatNumber(trained.frequency.data),
          formatNumber(trained.frequency.samples),
          formatSeconds(seconds),
        ],
      ],
    },
  };
}
