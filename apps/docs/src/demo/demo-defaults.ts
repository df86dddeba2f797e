/**
 * Every default and limit of the live demo, in one place.
 *
 * @module
 */

import type { KalmanEstimator, Method } from '@elk/solvers';

/** The cells the demo offers. */
export type DemoCellName = 'gru' | 'lorenz96' | 'argru';

/** The methods the demo offers (everything but `'sequential'`, which is always run as the reference). */
export type DemoMethod = Exclude<Method, 'sequential'>;

/** The demo's defaults. */
export const demoDefaults = {
  /** The GRU: hidden size, input size and the seed of its flax initialisation. */
  gru: { hidden: 8, input: 2, seed: 0 },
  /** Lorenz-96 as in the ELK paper's Fig. 8: D = 5, F = 8, dt = 0.01. */
  lorenz96: { dim: 5, forcing: 8, dt: 0.01, burnIn: 2000 },
  /** The seed of the inputs (the GRU's signal noise, the AR-GRU's driving noise). */
  inputSeed: 1,
  /** The sequence length the demo opens with, and the largest it accepts. */
  length: 2000,
  maxLength: 100_000,
  /** The method the demo opens with. */
  method: 'quasi-deer' satisfies DemoMethod as DemoMethod,
  /**
   * The iteration budget: T + 1 (DEER-type methods are exact after T iterations; one more step of zero
   * confirms it), at least `minIterations` (ELK's damped steps are not exact after T), at most
   * `maxIterationsCap` (so that a slow method on a long sequence stays interactive).
   */
  minIterations: 100,
  maxIterationsCap: 2000,
  /**
   * λ per cell and method (the paper's: AR-GRU ELK 1e-6, quasi-ELK 1e-2; Lorenz-96 ELK ≈ 3.3e-3,
   * quasi-ELK 0.1). The GRU uses the AR-GRU's.
   */
  lambda: {
    gru: { elk: 1e-6, 'quasi-elk': 1e-2 },
    argru: { elk: 1e-6, 'quasi-elk': 1e-2 },
    lorenz96: { elk: 3.3e-3, 'quasi-elk': 0.1 },
  } satisfies Record<DemoCellName, { elk: number; 'quasi-elk': number }>,
  /**
   * ELK's step: the Kalman filter's means, as the paper's code computes them (on Lorenz-96 the exact smoother
   * step with the paper's λ does not settle), or the smoother's (the exact Levenberg–Marquardt step).
   */
  estimator: 'filter' satisfies KalmanEstimator as KalmanEstimator,
  /** How many points of the trajectory the plot and the DOM carry. */
  trajectoryPoints: 400,
} as const;

/** Every method the demo offers, with a label. */
export const demoMethods: readonly { value: DemoMethod; label: string }[] = [
  { value: 'quasi-deer', label: 'quasi-DEER' },
  { value: 'deer', label: 'DEER' },
  { value: 'quasi-elk', label: 'quasi-ELK' },
  { value: 'elk', label: 'ELK' },
  { value: 'jacobi', label: 'Jacobi' },
];

/** The iteration budget of a sequence of length T (see {@link demoDefaults}). */
export function iterationBudget(length: number): number {
  return Math.min(Math.max(length + 1, demoDefaults.minIterations), demoDefaults.maxIterationsCap);
}

/** Whether a method takes λ. */
export function usesLambda(method: DemoMethod): method is 'elk' | 'quasi-elk' {
  return method === 'elk' || method === 'quasi-elk';
}

/** The demo's default λ for a cell and method (`undefined` for methods without λ). */
export function defaultLambda(cell: DemoCellName, method: DemoMethod): number | undefined {
  return usesLambda(method) ? demoDefaults.lambda[cell][method] : undefined;
}
