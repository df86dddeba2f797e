/**
 * The bench's figures as the Figures page presents them: what each shows and the command that makes it.
 *
 * @module
 */

/** One figure of apps/bench, as the docs describe it. */
export interface FigureEntry {
  /** The bench subcommand and the results folder name, e.g. `'fig2'`. */
  readonly name: string;
  /** A heading for the gallery. */
  readonly title: string;
  /** What the figure shows, for a reader who has not read the paper. */
  readonly description: string;
  /** The quick command (from the repository root). */
  readonly command: string;
  /** The paper-size command, when the figure has one. */
  readonly fullCommand?: string;
}

/** The figures, in the order of the papers. */
export const figureCatalog: readonly FigureEntry[] = [
  {
    name: 'fig2',
    title: 'Evaluation cost on a flax GRU (DEER paper, Fig. 2)',
    description:
      'Wall-clock time, iterations and peak memory of sequential evaluation, DEER and quasi-DEER (plus ELK and ' +
      'quasi-ELK) on a flax-initialised GRU, batch 16, over the sequence length T, one panel per state size D.',
    command: 'pnpm bench fig2',
    fullCommand: 'pnpm bench fig2 --full',
  },
  {
    name: 'fig4',
    title: 'Stability on the autoregressive GRU (ELK paper, Fig. 4)',
    description:
      'Mean absolute deviation from the sequential trace against the iteration, for DEER, quasi-DEER, ELK ' +
      '(λ = 1e-6) and quasi-ELK (λ = 1e-2) on the AR-GRU trained on noisy sine waves, and the traces after a few ' +
      'iteration counts (1, 100, 1000 and 2000 at the paper size). Computed on the f64 CPU path: in f32 every ' +
      'method stops on a rounding plateau.',
    command: 'pnpm bench fig4',
    fullCommand: 'pnpm bench fig4 --full',
  },
  {
    name: 'fig7',
    title: 'λ sweep on the trained AR-GRU (ELK paper, Fig. 7)',
    description:
      'Final error and iterations to tolerance of ELK and quasi-ELK over λ from 1e-8 to 1, several seeds: too ' +
      'small a λ is DEER (unstable here), too large a λ takes tiny steps.',
    command: 'pnpm bench fig7',
    fullCommand: 'pnpm bench fig7 --full',
  },
  {
    name: 'fig8',
    title: 'Lorenz-96 (ELK paper, Fig. 8)',
    description:
      'D = 5, F = 8, one Dormand–Prince step of dt = 0.01 per transition, 10 trajectories of length 1000 after a ' +
      'burn-in: error against the iteration for every method, and a λ sweep for ELK and quasi-ELK.',
    command: 'pnpm bench fig8',
    fullCommand: 'pnpm bench fig8 --full',
  },
  {
    name: 'scan',
    title: 'Scan throughput',
    description:
      "Elements and bytes per second of each @elk/scan kernel on the CPU and, where an adapter exists, of the WebGPU scans against a copy kernel's bandwidth measured in the same run.",
    command: 'pnpm bench scan',
  },
  {
    name: 'gpu-grid',
    title: 'The Fig. 2 grid on a GPU',
    description:
      'Copy and scan bandwidth, then the flax GRU grid (B = 16, D from 8 to 64, T from 3·10⁴ to 10⁶) for ' +
      "sequential, quasi-DEER, quasi-ELK and DEER on the WebGPU adapter found, beside cuDNN's sequential GRU when " +
      'a CUDA machine runs it.',
    command: 'pnpm bench gpu-grid --backend webgpu',
  },
];
