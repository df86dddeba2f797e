import type { FullModel, Parameter } from '../../src/index.ts';

/** The value of sequence n, step t of a parameter (perStep false: an initial parameter). */
export function parameterValue(
  parameter: Parameter,
  n: number,
  t: number,
  size: number,
  length: number,
  perStep = true,
) {
  if (!(parameter instanceof Float32Array || parameter instanceof Float64Array)) {
    return Array.from(parameter.constant);
  }
  const start = perStep ? (n * length + t) * size : n * size;
  return Array.from(parameter.subarray(start, start + size));
}

/** Solves A X = B (A n × n, B n × m) by Gauss–Jordan elimination with partial pivoting (test oracle). */
export function solveDense(a: number[], b: number[], n: number, m: number): number[] {
  const A = a.slice();
  const B = b.slice();
  for (let k = 0; k < n; k++) {
    let best = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(A[i * n + k]!) > Math.abs(A[best * n + k]!)) best = i;
    for (let j = 0; j < n; j++) [A[k * n + j], A[best * n + j]] = [A[best * n + j]!, A[k * n + j]!];
    for (let j = 0; j < m; j++) [B[k * m + j], B[best * m + j]] = [B[best * m + j]!, B[k * m + j]!];
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const factor = A[i * n + k]! / A[k * n + k]!;
      if (factor === 0) continue;
      for (let j = k; j < n; j++) A[i * n + j]! -= factor * A[k * n + j]!;
      for (let j = 0; j < m; j++) B[i * m + j]! -= factor * B[k * m + j]!;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) B[i * m + j]! /= A[i * n + i]!;
  return B;
}

function identity(n: number): number[] {
  return Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0));
}

const inverse = (a: number[], n: number) => solveDense(a, identity(n), n, n);

/** Adds `scale · block` (rows × columns) into the dense matrix at block position (row, column). */
function addBlock(
  target: number[],
  size: number,
  row: number,
  column: number,
  block: number[],
  rows: number,
  columns: number,
  scale = 1,
) {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < columns; j++)
      target[(row + i) * size + column + j]! += scale * block[i * columns + j]!;
  }
}

function matmul(a: number[], b: number[], n: number, k: number, m: number): number[] {
  const out = new Array<number>(n * m).fill(0);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) for (let l = 0; l < k; l++) out[i * m + j]! += a[i * k + l]! * b[l * m + j]!;
  return out;
}

function transposed(a: number[], n: number, m: number): number[] {
  const out = new Array<number>(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[j * n + i] = a[i * m + j]!;
  return out;
}

/**
 * The exact posterior of one sequence of a full-form model, from the joint Gaussian: builds the (T·D)² precision
 * matrix Λ and information vector of p(s_{1:T} | y_{1:T}) and solves densely. Returns the posterior mean
 * [T, D], the diagonal blocks of Λ⁻¹ [T, D, D], and log p(y_{1:T}) from the marginal of y.
 */
export function densePosterior(model: FullModel, observations: ArrayLike<number>, n: number) {
  const { length: T, stateDim: D, observationDim: p } = model;
  const size = T * D;
  const priorPrecision = new Array<number>(size * size).fill(0);
  const priorInformation = new Array<number>(size).fill(0);
  const at = (
    parameter: Parameter | undefined,
    t: number,
    count: number,
    fallback: number[],
    perStep = true,
  ) => (parameter === undefined ? fallback : parameterValue(parameter, n, t, count, T, perStep));
  const P1inv = inverse(at(model.initialCovariance, 0, D * D, [], false), D);
  addBlock(priorPrecision, size, 0, 0, P1inv, D, D);
  const m1 = at(model.initialMean, 0, D, [], false);
  matmul(P1inv, m1, D, D, 1).forEach((v, i) => {
    priorInformation[i]! += v;
  });
  for (let t = 1; t < T; t++) {
    const F = at(model.transition, t, D * D, []);
    const c = at(model.transitionOffset, t, D, new Array(D).fill(0));
    const Qinv = inverse(at(model.transitionCovariance, t, D * D, []), D);
    const QinvF = matmul(Qinv, F, D, D, D);
    const FtQinvF = matmul(transposed(F, D, D), QinvF, D, D, D);
    addBlock(priorPrecision, size, t * D, t * D, Qinv, D, D);
    addBlock(priorPrecision, size, (t - 1) * D, (t - 1) * D, FtQinvF, D, D);
    addBlock(priorPrecision, size, t * D, (t - 1) * D, QinvF, D, D, -1);
    addBlock(priorPrecision, size, (t - 1) * D, t * D, transposed(QinvF, D, D), D, D, -1);
    const Qinvc = matmul(Qinv, c, D, D, 1);
    const FtQinvc = matmul(transposed(F, D, D), Qinvc, D, D, 1);
    for (let i = 0; i < D; i++) {
      priorInformation[t * D + i]! += Qinvc[i]!;
      priorInformation[(t - 1) * D + i]! -= FtQinvc[i]!;
    }
  }
  const precision = priorPrecision.slice();
  const information = priorInformation.slice();
  const identityH = identity(D);
  for (let t = 0; t < T; t++) {
    const H = at(model.observationMatrix, t, p * D, identityH);
    const d = at(model.observationOffset, t, p, new Array(p).fill(0));
    const Rinv = inverse(at(model.observationCovariance, t, p * p, []), p);
    const HtRinv = matmul(transposed(H, p, D), Rinv, D, p, p);
    addBlock(precision, size, t * D, t * D, matmul(HtRinv, H, D, p, D), D, D);
    const y = Array.from({ length: p }, (_, i) => (observations[(n * T + t) * p + i] ?? 0) - d[i]!);
    matmul(HtRinv, y, D, p, 1).forEach((v, i) => {
      information[t * D + i]! += v;
    });
  }
  const mean = solveDense(precision, information, size, 1);
  const covarianceFull = inverse(precision, size);
  const covariances: number[] = [];
  for (let t = 0; t < T; t++)
    for (let i = 0; i < D; i++)
      for (let j = 0; j < D; j++) covariances.push(covarianceFull[(t * D + i) * size + t * D + j]!);
  // Marginal of y: y = 𝐇 s + 𝐝 + v with s ~ N(Λ₀⁻¹ η₀, Λ₀⁻¹).
  const priorCovariance = inverse(priorPrecision, size);
  const priorMean = solveDense(priorPrecision, priorInformation, size, 1);
  const bigH = new Array<number>(T * p * size).fill(0);
  const observationCovariance = new Array<number>(T * p * T * p).fill(0);
  const residual: number[] = [];
  for (let t = 0; t < T; t++) {
    const H = at(model.observationMatrix, t, p * D, identityH);
    addBlock(bigH, size, t * p, t * D, H, p, D);
    addBlock(observationCovariance, T * p, t * p, t * p, at(model.observationCovariance, t, p * p, []), p, p);
    const d = at(model.observationOffset, t, p, new Array(p).fill(0));
    const predicted = matmul(H, priorMean.slice(t * D, t * D + D), p, D, 1);
    for (let i = 0; i < p; i++)
      residual.push((observations[(n * T + t) * p + i] ?? 0) - predicted[i]! - d[i]!);
  }
  const covarianceY = matmul(
    matmul(bigH, priorCovariance, T * p, size, size),
    transposed(bigH, T * p, size),
    T * p,
    size,
    T * p,
  );
  for (let k = 0; k < covarianceY.length; k++) covarianceY[k]! += observationCovariance[k]!;
  const logDeterminant = logDeterminantSpd(covarianceY, T * p);
  const whitened = solveDense(covarianceY, residual, T * p, 1);
  const quadratic = residual.reduce((sum, r, i) => sum + r * whitened[i]!, 0);
  const logLikelihood = -0.5 * (quadratic + logDeterminant + T * p * Math.log(2 * Math.PI));
  return { mean, covariances, logLikelihood };
}

/** log det of an SPD matrix by a plain Cholesky (test oracle). */
function logDeterminantSpd(a: number[], n: number): number {
  const l = new Array<number>(n * n).fill(0);
  let sum = 0;
  for (let j = 0; j < n; j++) {
    let diagonal = a[j * n + j]!;
    for (let k = 0; k < j; k++) diagonal -= l[j * n + k]! ** 2;
    const ljj = Math.sqrt(diagonal);
    l[j * n + j] = ljj;
    sum += Math.log(ljj);
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = s / ljj;
    }
  }
  return 2 * sum;
}

/** A diagonal-form model written as the equivalent full-form model (diagonal matrices). */
export function diagonalAsFull(model: import('../../src/index.ts').DiagonalModel): FullModel {
  const D = model.stateDim;
  const toMatrix = (parameter: Parameter | undefined): Parameter | undefined => {
    if (parameter === undefined) return undefined;
    const source =
      parameter instanceof Float32Array || parameter instanceof Float64Array ? parameter : parameter.constant;
    const out = new Float64Array((source.length / D) * D * D);
    for (let k = 0; k < source.length / D; k++)
      for (let i = 0; i < D; i++) out[k * D * D + i * D + i] = source[k * D + i]!;
    return source === parameter ? out : { constant: out };
  };
  return {
    form: 'full',
    batch: model.batch,
    length: model.length,
    stateDim: D,
    observationDim: D,
    initialMean: model.initialMean,
    initialCovariance: toMatrix(model.initialCovariance)!,
    transition: toMatrix(model.transition)!,
    transitionOffset: model.transitionOffset,
    transitionCovariance: toMatrix(model.transitionCovariance)!,
    observationMatrix: toMatrix(model.observationMatrix),
    observationOffset: model.observationOffset,
    observationCovariance: toMatrix(model.observationCovariance)!,
  };
}
