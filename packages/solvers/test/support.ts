/**
 * Test support: a seeded random stream, small cells written against the Cell contract, and a sequential
 * f64 oracle independent of the sessions.
 */

import type { Cell, FloatArray } from '@elk/cells';
import { type Backend, createCpuBackend, type SessionStatus } from '../src/index.ts';

/** The tests' seeded uniform stream on [0, 1) (`@elk/testing`). */
export { seededUniform as seededRandom } from '@elk/testing';

/** n values uniform in [−scale, scale]. */
export function uniformArray(random: () => number, n: number, scale = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * random() - 1) * scale;
  return out;
}

export function maxAbsDifference(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let maximum = 0;
  for (let i = 0; i < x.length; i++) {
    const difference = Math.abs((x[i] as number) - (y[i] as number));
    if (!(difference <= maximum)) maximum = difference;
  }
  return maximum;
}

/** s_t = f(s_{t−1}, u_t) one sequence and step at a time, in f64: the oracle. */
export function sequentialOracle(
  cell: Cell,
  inputs: ArrayLike<number>,
  initialState: ArrayLike<number>,
  batch: number,
  length: number,
): Float64Array {
  const D = cell.stateSize;
  const I = cell.inputSize;
  const out = new Float64Array(batch * length * D);
  for (let b = 0; b < batch; b++) {
    let state = Float64Array.from(Array.from({ length: D }, (_, d) => initialState[b * D + d] as number));
    for (let t = 0; t < length; t++) {
      const input = Float64Array.from(
        Array.from({ length: I }, (_, i) => inputs[(b * length + t) * I + i] as number),
      );
      state = Float64Array.from(cell.step(state, input, 1));
      out.set(state, (b * length + t) * D);
    }
  }
  return out;
}

/**
 * An elementwise cell s' = scale·tanh(w ⊙ s + V u + c): its Jacobian is diagonal, so quasi-DEER is DEER.
 */
export function elementwiseCell(
  dim: number,
  input: number,
  random: () => number,
  scale = 1,
  recurrentScale = 1.5,
): Cell {
  const w = uniformArray(random, dim, recurrentScale);
  const V = uniformArray(random, dim * input, 1);
  const c = uniformArray(random, dim, 0.3);
  const evaluate = (
    states: FloatArray,
    inputs: FloatArray,
    batch: number,
    values: FloatArray,
    diagonal: FloatArray | undefined,
    dense: FloatArray | undefined,
  ) => {
    if (dense !== undefined) dense.fill(0);
    for (let n = 0; n < batch; n++) {
      for (let i = 0; i < dim; i++) {
        let z = (w[i] as number) * (states[n * dim + i] as number) + (c[i] as number);
        for (let k = 0; k < input; k++) z += (V[i * input + k] as number) * (inputs[n * input + k] as number);
        const h = Math.tanh(z);
        values[n * dim + i] = scale * h;
        const derivative = scale * (1 - h * h) * (w[i] as number);
        if (diagonal !== undefined) diagonal[n * dim + i] = derivative;
        if (dense !== undefined) dense[n * dim * dim + i * dim + i] = derivative;
      }
    }
  };
  const like = (states: FloatArray, n: number): FloatArray =>
    states instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);
  return {
    name: 'elementwise',
    stateSize: dim,
    inputSize: input,
    step(states, inputs, batch, out) {
      const values = out ?? like(states, batch * dim);
      evaluate(states, inputs, batch, values, undefined, undefined);
      return values;
    },
    jacobian(states, inputs, batch, out) {
      const dense = out ?? like(states, batch * dim * dim);
      evaluate(states, inputs, batch, like(states, batch * dim), undefined, dense);
      return dense;
    },
    jacobianDiagonal(states, inputs, batch, out) {
      const diagonal = out ?? like(states, batch * dim);
      evaluate(states, inputs, batch, like(states, batch * dim), diagonal, undefined);
      return diagonal;
    },
    linearize(states, inputs, batch, mode, values, jacobian) {
      if (mode === 'diagonal') evaluate(states, inputs, batch, values, jacobian, undefined);
      else evaluate(states, inputs, batch, values, undefined, jacobian);
    },
  };
}

/** Solves the dense system M x = v (Gaussian elimination with partial pivoting), M n × n row-major. */
export function solveDense(matrix: Float64Array, vector: Float64Array): Float64Array {
  const n = vector.length;
  const M = Float64Array.from(matrix);
  const x = Float64Array.from(vector);
  for (let k = 0; k < n; k++) {
    let pivot = k;
    for (let i = k + 1; i < n; i++)
      if (Math.abs(M[i * n + k] as number) > Math.abs(M[pivot * n + k] as number)) pivot = i;
    if (pivot !== k) {
      for (let j = 0; j < n; j++) {
        const swap = M[k * n + j] as number;
        M[k * n + j] = M[pivot * n + j] as number;
        M[pivot * n + j] = swap;
      }
      const swap = x[k] as number;
      x[k] = x[pivot] as number;
      x[pivot] = swap;
    }
    for (let i = k + 1; i < n; i++) {
      const factor = (M[i * n + k] as number) / (M[k * n + k] as number);
      for (let j = k; j < n; j++) M[i * n + j] = (M[i * n + j] as number) - factor * (M[k * n + j] as number);
      x[i] = (x[i] as number) - factor * (x[k] as number);
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    let sum = x[i] as number;
    for (let j = i + 1; j < n; j++) sum -= (M[i * n + j] as number) * (x[j] as number);
    x[i] = sum / (M[i * n + i] as number);
  }
  return x;
}

/**
 * A CPU backend with its own read cadence whose sessions pass each `update` and `readStatus` through the given
 * hooks (to log or fail them): `update(forward)` and `readStatus(forward)` call `forward` to reach the session.
 */
export function hookedCpuBackend(
  reads: { readonly checkEvery: number; readonly readAhead: number },
  hooks: {
    readonly update: (forward: () => void) => void;
    readonly readStatus: (forward: () => Promise<SessionStatus>) => Promise<SessionStatus>;
  },
): Backend {
  const backend = createCpuBackend();
  return {
    name: backend.name,
    ...reads,
    precision: backend.precision.bind(backend),
    destroy: () => backend.destroy(),
    async createSession(problem) {
      const session = await backend.createSession(problem);
      const readStatus = session.readStatus.bind(session);
      const update = session.update.bind(session);
      session.update = (options) => hooks.update(() => update(options));
      session.readStatus = () => hooks.readStatus(readStatus);
      return session;
    },
  };
}
