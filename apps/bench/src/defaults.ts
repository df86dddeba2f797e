/**
 * Every default of the bench in one place: the quick and full (`--full`, the papers') sizes of each figure,
 * the seed, the paper's λ values and tolerances. The README's size table is written from this file.
 *
 * @module
 */

/** Figures run by `pnpm bench` without a subcommand (their quick sizes). */
export const QUICK_SUITE = ['fig2', 'fig4', 'fig7', 'fig8', 'scan'] as const;

/** Every subcommand of the CLI. */
export const COMMANDS = [...QUICK_SUITE, 'train-argru', 'gpu-grid'] as const;

/** A subcommand name. */
export type CommandName = (typeof COMMANDS)[number];

/** The seed used when `--seed` is not given. */
export const DEFAULT_SEED = 0;

/** Results go to `<this>/<figure>/` under apps/bench unless `--out` is given. */
export const DEFAULT_RESULTS_DIRECTORY = 'results';

/** The committed trained AR-GRU (written by `train-argru`), relative to apps/bench. */
export const TRAINED_ARGRU_PATH = 'models/argru-sine.safetensors';

/** Evaluation methods of `@elk/solvers`. */
export type Method = 'sequential' | 'jacobi' | 'deer' | 'quasi-deer' | 'elk' | 'quasi-elk';

/** The stopping rules `@elk/solvers` offers (issue 9): the paper code's fixed step tolerance, or f32-aware. */
export type StoppingRule = 'reference' | 'precision-aware';

/** Both stopping rules, in the order fig2 shows them. */
export const STOPPING_RULES: readonly StoppingRule[] = ['reference', 'precision-aware'];

/** The reference's step tolerances: 1e-4 in f32, 1e-7 in f64 (DESIGN.md, "Stopping and safety"). */
export const TOLERANCE = { f32: 1e-4, f64: 1e-7 } as const;

/** Fig. 2 (evaluation cost on a flax GRU). */
export interface Fig2Sizes {
  batch: number;
  dims: number[];
  lengths: number[];
  methods: Method[];
  /** Iteration cap of the parallel methods (the reference uses 10 000). */
  maxIterations: number;
  /** DEER (dense, O(T·B·D²) memory) only where T·B·D² is at most this. */
  denseElementLimit: number;
  /** ELK (dense Kalman, O(T·B·D³) work) only where T·B·D² is at most this. */
  elkElementLimit: number;
  /** λ of ELK and quasi-ELK in this figure. */
  lambda: { elk: number; quasiElk: number };
  /** Timed repetitions per case (the median is reported) after one warm-up. */
  repeats: number;
}

/** Fig. 2: quick sizes finish in about a minute on 2 CPU cores; full sizes are the paper's. */
export const FIG2: { quick: Fig2Sizes; full: Fig2Sizes } = {
  quick: {
    batch: 16,
    dims: [8, 16],
    lengths: [1_000, 2_000, 5_000],
    methods: ['sequential', 'quasi-deer', 'quasi-elk', 'deer', 'elk'],
    maxIterations: 200,
    denseElementLimit: 16 * 1_000 * 16 * 16,
    elkElementLimit: 16 * 1_000 * 8 * 8,
    lambda: { elk: 1e-6, quasiElk: 1e-2 },
    repeats: 1,
  },
  full: {
    batch: 16,
    dims: [8, 16, 32, 64],
    lengths: [30_000, 100_000, 300_000, 1_000_000],
    methods: ['sequential', 'quasi-deer', 'quasi-elk', 'deer', 'elk'],
    maxIterations: 10_000,
    denseElementLimit: 16 * 100_000 * 16 * 16,
    elkElementLimit: 16 * 30_000 * 8 * 8,
    lambda: { elk: 1e-6, quasiElk: 1e-2 },
    repeats: 3,
  },
};

/** Fig. 4 (stability on the AR-GRU). */
export interface Fig4Sizes {
  length: number;
  /** ELK's estimator; the paper's figures used the Kalman filter (the exact LM step is the smoother). */
  estimator: 'filter' | 'smoother';
  /** The iteration budget at which the methods' MAD is compared (the paper's trace at 100 iterations). */
  comparisonBudget: number;
  maxIterations: number;
  /** Iterations after which the whole output trace is kept and plotted. */
  snapshots: number[];
  lambda: { elk: number; quasiElk: number };
}

/** Fig. 4: the paper runs T = 10 000 with traces after 1, 100, 1000 and 2000 iterations. */
export const FIG4: { quick: Fig4Sizes; full: Fig4Sizes } = {
  quick: {
    length: 2_000,
    estimator: 'filter',
    comparisonBudget: 100,
    maxIterations: 300,
    snapshots: [1, 10, 100, 300],
    lambda: { elk: 1e-6, quasiElk: 1e-2 },
  },
  full: {
    length: 10_000,
    estimator: 'filter',
    comparisonBudget: 1_000,
    maxIterations: 10_000,
    snapshots: [1, 100, 1_000, 2_000],
    lambda: { elk: 1e-6, quasiElk: 1e-2 },
  },
};

/** Fig. 7 (λ sweep on the trained AR-GRU). */
export interface Fig7Sizes {
  length: number;
  /** ELK's estimator (see {@link Fig4Sizes.estimator}). */
  estimator: 'filter' | 'smoother';
  lambdas: number[];
  seeds: number;
  maxIterations: number;
}

/** λ from 1e-8 to 1 in `perDecade` steps per decade. */
export function lambdaGrid(perDecade: number): number[] {
  const values: number[] = [];
  for (let k = -8 * perDecade; k <= 0; k++) values.push(10 ** (k / perDecade));
  return values;
}

/** Fig. 7: λ ∈ {1e-8 … 1}, several seeds (driver noise). */
export const FIG7: { quick: Fig7Sizes; full: Fig7Sizes } = {
  quick: { length: 1_000, estimator: 'filter', lambdas: lambdaGrid(0.5), seeds: 2, maxIterations: 300 },
  full: { length: 10_000, estimator: 'filter', lambdas: lambdaGrid(2), seeds: 5, maxIterations: 10_000 },
};

/** Fig. 8 (Lorenz-96). */
export interface Fig8Sizes {
  dim: number;
  forcing: number;
  dt: number;
  trajectories: number;
  length: number;
  burnIn: number;
  maxIterations: number;
  /** ELK's estimator (see {@link Fig4Sizes.estimator}). */
  estimator: 'filter' | 'smoother';
  /** The paper's λ: ELK ≈ 3.3e-3, quasi-ELK 0.1. */
  lambda: { elk: number; quasiElk: number };
  /** λ values of the sweep panel. */
  sweep: number[];
}

/** Fig. 8: Lorenz-96, D = 5, F = 8, one Dopri5 step of dt = 0.01; 10 trajectories of 1000 after 20 000. */
export const FIG8: { quick: Fig8Sizes; full: Fig8Sizes } = {
  quick: {
    dim: 5,
    forcing: 8,
    dt: 0.01,
    trajectories: 3,
    length: 300,
    burnIn: 20_000,
    maxIterations: 300,
    estimator: 'filter',
    lambda: { elk: 3.3e-3, quasiElk: 0.1 },
    sweep: lambdaGrid(0.5),
  },
  full: {
    dim: 5,
    forcing: 8,
    dt: 0.01,
    trajectories: 10,
    length: 1_000,
    burnIn: 20_000,
    maxIterations: 1_000,
    estimator: 'filter',
    lambda: { elk: 3.3e-3, quasiElk: 0.1 },
    sweep: lambdaGrid(2),
  },
};

/** The scan throughput figure. */
export interface ScanSizes {
  /** Sequence lengths T (batch 1). */
  lengths: number[];
  /** State sizes D of the diagonal scan. */
  dims: number[];
  /** State sizes D of the dense scan (O(T·D³) work). */
  denseDims: number[];
  repeats: number;
}

/** Scan throughput: quick and full sizes. */
export const SCAN: { quick: ScanSizes; full: ScanSizes } = {
  quick: { lengths: [100_000], dims: [1, 8, 64], denseDims: [2, 8], repeats: 5 },
  full: { lengths: [100_000, 1_000_000], dims: [1, 8, 16, 64], denseDims: [2, 8, 16], repeats: 9 },
};

/** The `gpu-grid` measurement (issue 10). */
export interface GpuGridSizes {
  batch: number;
  dims: number[];
  lengths: number[];
  methods: Method[];
  tolerance: number;
  maxIterations: number;
  /** Element counts of the copy and diagonal-scan bandwidth runs (clamped to the device's limits). */
  scanElements: number[];
  repeats: number;
  /** DEER only where one dense Jacobian array, T·B·D²·4 bytes, is at most this. */
  denseBytesLimit: number;
  /** The sequential kernel only where T is at most this (null: everywhere); it is the slow baseline. */
  sequentialMaxLength: number | null;
  /** What to measure. */
  parts: readonly GpuGridPart[];
}

/** The parts of a gpu-grid run (`--parts`): the copy and scan bandwidth, and the Fig. 2 grid. */
export const GPU_GRID_PARTS = ['bandwidth', 'grid'] as const;

/** One of {@link GPU_GRID_PARTS}. */
export type GpuGridPart = (typeof GPU_GRID_PARTS)[number];

/** gpu-grid: the Fig. 2 grid on the GPU; `quick` is a smoke size for lavapipe. */
export const GPU_GRID: { quick: GpuGridSizes; full: GpuGridSizes } = {
  quick: {
    batch: 16,
    dims: [8, 16],
    lengths: [1_000, 3_000],
    methods: ['sequential', 'quasi-deer', 'quasi-elk', 'deer'],
    tolerance: TOLERANCE.f32,
    maxIterations: 200,
    scanElements: [1e6],
    repeats: 3,
    denseBytesLimit: 2 ** 28,
    sequentialMaxLength: null,
    parts: GPU_GRID_PARTS,
  },
  full: {
    batch: 16,
    dims: [8, 16, 32, 64],
    lengths: [30_000, 100_000, 300_000, 1_000_000],
    methods: ['sequential', 'quasi-deer', 'quasi-elk', 'deer'],
    tolerance: TOLERANCE.f32,
    maxIterations: 2_000,
    // 5·10⁸ f32 = 2·10⁹ bytes: the largest round count whose arrays each fit one 2 GiB storage binding.
    scanElements: [1e7, 1e8, 5e8],
    repeats: 5,
    denseBytesLimit: 2 ** 33,
    sequentialMaxLength: null,
    parts: GPU_GRID_PARTS,
  },
};

/** `train-argru`: a 3-hidden-unit AR-GRU on noisy sine waves. */
export interface TrainSettings {
  hidden: number;
  /** Sequences per Adam step, and their length. */
  batch: number;
  length: number;
  steps: number;
  learningRate: number;
  /** Sine period in steps (the dominant frequency the samples must reproduce), amplitude, noise std. */
  period: number;
  amplitude: number;
  noise: number;
}

/** The settings that made the committed `models/argru-sine.safetensors`. */
export const TRAIN: TrainSettings = {
  hidden: 3,
  batch: 16,
  length: 200,
  steps: 1_500,
  learningRate: 1e-2,
  period: 25,
  amplitude: 1,
  noise: 0.1,
};
