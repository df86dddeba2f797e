import type { KalmanEstimator, Precision, TrustRegionOptions } from './backend.ts';

/**
 * Every default of `@elk/solvers`, in one place. `evaluate` reads them from here and nowhere else.
 *
 * | option | default | source |
 * |---|---|---|
 * | `tolerance`, `'reference'` rule | 1e-4 (f32), 1e-7 (f64) | the reference code's step tolerance |
 * | `tolerance`, `'precision-aware'` rule | 1e-7 (f32 and f64) | f64's accuracy; where f32 cannot reach it, the floor rule stops |
 * | `maxIterations` | T + 1 | DEER and Jacobi are exact after T iterations (Lim et al., Prop. 1); one more confirms it with a zero step |
 * | `reset` | on, clip bound ±1e8, NaN → 0 | the reference's reset heuristic |
 * | `initialGuess` | zeros | the reference |
 * | `criterion` | `'step'`: max \|s^(i+1) − s^(i)\| ≤ tol | the reference |
 * | `stopping` | `'precision-aware'` (f32), `'reference'` (f64) | f32 runs stop at the rounding floor |
 * | `lambda` | ELK 1e-6, quasi-ELK 1e-2 | the paper's AR-GRU settings (Gonzalez et al. 2024) |
 * | `lambda: 'adaptive'` | start 1e-2, ×10 on rejection, ×0.1 on acceptance, within [1e-12, 1e12] | Levenberg–Marquardt |
 * | `estimator` | `'filter'` | the authors' code (so the paper's figures); `'smoother'` is the exact LM step |
 * | `checkEvery` | the backend's `checkEvery`, else 1 | |
 * | `readAhead` | the backend's `readAhead`, else 0 (wait for each read) | |
 * | `predictStop` | the backend's `predictStop`, else on | |
 * | floor window | 6 iterations | see `floorDecision` |
 * | floor reset memory | 32 iterations free of resets before a floor stop | see `floorDecision` |
 *
 * The paper's λ values (λ = 1/σ²; its code writes σ²): AR-GRU ELK 1e-6, quasi-ELK 1e-2; Lorenz-96 ELK ≈ 3.3e-3,
 * quasi-ELK 0.1.
 *
 * @example
 * ```ts
 * solverDefaults.tolerance.reference.f32; // 1e-4, the paper code's f32 tolerance
 * ```
 */
export const solverDefaults = {
  tolerance: {
    reference: { f32: 1e-4, f64: 1e-7 } satisfies Record<Precision, number>,
    'precision-aware': { f32: 1e-7, f64: 1e-7 } satisfies Record<Precision, number>,
  },
  reset: true,
  resetBound: 1e8,
  criterion: 'step',
  stopping: { f32: 'precision-aware', f64: 'reference' } satisfies Record<
    Precision,
    'precision-aware' | 'reference'
  >,
  lambda: { elk: 1e-6, 'quasi-elk': 1e-2 },
  adaptiveLambda: {
    initial: 1e-2,
    trustRegion: { increase: 10, decrease: 0.1, minimum: 1e-12, maximum: 1e12 } satisfies TrustRegionOptions,
  },
  estimator: 'filter' satisfies KalmanEstimator,
  checkEvery: 1,
  readAhead: 0,
  predictStop: true,
  historyCapacity: 64,
  floorWindow: 6,
  floorResetMemory: 32,
} as const;

/**
 * The default iteration budget, T + 1: DEER (and Jacobi) are exact after T iterations in exact arithmetic
 * (Lim et al., ICLR 2024, Proposition 1), and the step-size rule needs one more iteration to see a zero step.
 *
 * @example
 * ```ts
 * defaultMaxIterations(1000); // 1001
 * ```
 */
export function defaultMaxIterations(length: number): number {
  return length + 1;
}

/**
 * Unit round-off ε of a precision: 2^-24 for f32, 2^-53 for f64 (the floor rule's scale).
 *
 * @example
 * ```ts
 * unitRoundoff('f32'); // 5.96e-8
 * ```
 */
export function unitRoundoff(precision: Precision): number {
  return precision === 'f32' ? 2 ** -24 : 2 ** -53;
}
