/**
 * Reference measurements on the lent NVIDIA H200 (2026-11-28; flax GRUCell, B = 16, f32, tolerance 1e-4,
 * random normal inputs, flax default initialisation), from the project's performance notes: the authors'
 * JAX code (sequential `lax.scan` and quasi-DEER) and PyTorch's cuDNN GRU. gpu-grid reports elk's numbers
 * as ratios against these, and against a cuDNN run made in the same call when `--cudnn` is given.
 */
export interface ReferenceCase {
  D: number;
  T: number;
  jaxSequentialSeconds: number | null;
  jaxQuasiDeerSeconds: number | null;
  jaxQuasiDeerMsPerIteration: number | null;
  cudnnSeconds: number | null;
}

/** The table of reference numbers, one entry per (D, T) of the Fig. 2 grid (null where not measured). */
export const H200_REFERENCE: readonly ReferenceCase[] = [
  {
    D: 8,
    T: 30_000,
    jaxSequentialSeconds: 0.244,
    jaxQuasiDeerSeconds: 0.0149,
    jaxQuasiDeerMsPerIteration: 0.42,
    cudnnSeconds: 0.0208,
  },
  {
    D: 16,
    T: 30_000,
    jaxSequentialSeconds: 0.262,
    jaxQuasiDeerSeconds: 0.04,
    jaxQuasiDeerMsPerIteration: 0.69,
    cudnnSeconds: 0.0213,
  },
  {
    D: 32,
    T: 30_000,
    jaxSequentialSeconds: 0.265,
    jaxQuasiDeerSeconds: 1.17,
    jaxQuasiDeerMsPerIteration: 3.5,
    cudnnSeconds: 0.0216,
  },
  {
    D: 64,
    T: 30_000,
    jaxSequentialSeconds: 0.238,
    jaxQuasiDeerSeconds: 19.8,
    jaxQuasiDeerMsPerIteration: 2.0,
    cudnnSeconds: 0.0256,
  },
  {
    D: 8,
    T: 100_000,
    jaxSequentialSeconds: 0.815,
    jaxQuasiDeerSeconds: 0.055,
    jaxQuasiDeerMsPerIteration: 1.3,
    cudnnSeconds: 0.0504,
  },
  {
    D: 16,
    T: 100_000,
    jaxSequentialSeconds: 0.858,
    jaxQuasiDeerSeconds: 0.157,
    jaxQuasiDeerMsPerIteration: 2.1,
    cudnnSeconds: 0.0505,
  },
  {
    D: 32,
    T: 100_000,
    jaxSequentialSeconds: 0.877,
    jaxQuasiDeerSeconds: 4.03,
    jaxQuasiDeerMsPerIteration: 10.6,
    cudnnSeconds: 0.0519,
  },
  {
    D: 64,
    T: 100_000,
    jaxSequentialSeconds: null,
    jaxQuasiDeerSeconds: null,
    jaxQuasiDeerMsPerIteration: null,
    cudnnSeconds: 0.0653,
  },
  {
    D: 8,
    T: 300_000,
    jaxSequentialSeconds: 2.45,
    jaxQuasiDeerSeconds: 0.142,
    jaxQuasiDeerMsPerIteration: 3.2,
    cudnnSeconds: 0.134,
  },
  {
    D: 16,
    T: 300_000,
    jaxSequentialSeconds: 2.54,
    jaxQuasiDeerSeconds: 0.504,
    jaxQuasiDeerMsPerIteration: 5.7,
    cudnnSeconds: 0.137,
  },
  {
    D: 32,
    T: 300_000,
    jaxSequentialSeconds: 2.66,
    jaxQuasiDeerSeconds: 6.51,
    jaxQuasiDeerMsPerIteration: 13.5,
    cudnnSeconds: 0.14,
  },
  {
    D: 64,
    T: 300_000,
    jaxSequentialSeconds: null,
    jaxQuasiDeerSeconds: null,
    jaxQuasiDeerMsPerIteration: null,
    cudnnSeconds: 0.178,
  },
  {
    D: 8,
    T: 1_000_000,
    jaxSequentialSeconds: 8.1,
    jaxQuasiDeerSeconds: 0.523,
    jaxQuasiDeerMsPerIteration: 10.5,
    cudnnSeconds: 0.429,
  },
  {
    D: 16,
    T: 1_000_000,
    jaxSequentialSeconds: 8.36,
    jaxQuasiDeerSeconds: 1.74,
    jaxQuasiDeerMsPerIteration: 19.6,
    cudnnSeconds: 0.439,
  },
  {
    D: 32,
    T: 1_000_000,
    jaxSequentialSeconds: null,
    jaxQuasiDeerSeconds: null,
    jaxQuasiDeerMsPerIteration: null,
    cudnnSeconds: 0.447,
  },
  {
    D: 64,
    T: 1_000_000,
    jaxSequentialSeconds: null,
    jaxQuasiDeerSeconds: null,
    jaxQuasiDeerMsPerIteration: null,
    cudnnSeconds: 0.581,
  },
];

/** The reference entry for (D, T), if measured. */
export function referenceFor(D: number, T: number): ReferenceCase | undefined {
  return H200_REFERENCE.find((entry) => entry.D === D && entry.T === T);
}
