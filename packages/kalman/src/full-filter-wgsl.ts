import type { ScanOperator } from '@elk/scan';

/** Σ_k term(k) as a WGSL loop body accumulating into `sum`. */
function sumLoop(n: number, term: string): string {
  return `var sum = 0.0;\n      for (var k = 0u; k < ${n}u; k++) { sum += ${term}; }`;
}

/**
 * The WGSL of the full-form filter combination for dimension `n` (see `combineFullFilterElements`): the
 * element struct, a solve helper (Gaussian elimination with partial pivoting, no inverse) and the
 * combine/identity functions. Indices are row-major: entry (i, j) of a matrix is `[i * n + j]`.
 */
export function wgslFullFilterFunctions(n: number): ScanOperator<unknown>['wgsl'] {
  const nn = n * n;
  const element = `KalmanFullFilterElement${n}`;
  const solve = `kalman_full_solve_${n}`;
  const combine = `kalman_full_filter_combine_${n}`;
  const identity = `kalman_full_filter_identity_${n}`;
  const combineCode = /* wgsl */ `struct ${element} {
  A: array<f32, ${nn}>,
  b: array<f32, ${n}>,
  C: array<f32, ${nn}>,
  eta: array<f32, ${n}>,
  J: array<f32, ${nn}>,
}

// X with matrix · X = rhs (${n} × ${n}), by Gaussian elimination with partial pivoting.
fn ${solve}(matrix: array<f32, ${nn}>, rhs: array<f32, ${nn}>) -> array<f32, ${nn}> {
  var m = matrix;
  var x = rhs;
  for (var k = 0u; k < ${n}u; k++) {
    var best = k;
    var bestValue = abs(m[k * ${n}u + k]);
    for (var i = k + 1u; i < ${n}u; i++) {
      let value = abs(m[i * ${n}u + k]);
      if (value > bestValue) {
        best = i;
        bestValue = value;
      }
    }
    if (best != k) {
      for (var j = 0u; j < ${n}u; j++) {
        let swapM = m[k * ${n}u + j];
        m[k * ${n}u + j] = m[best * ${n}u + j];
        m[best * ${n}u + j] = swapM;
        let swapX = x[k * ${n}u + j];
        x[k * ${n}u + j] = x[best * ${n}u + j];
        x[best * ${n}u + j] = swapX;
      }
    }
    let pivot = m[k * ${n}u + k];
    for (var i = k + 1u; i < ${n}u; i++) {
      let factor = m[i * ${n}u + k] / pivot;
      for (var j = k; j < ${n}u; j++) {
        m[i * ${n}u + j] -= factor * m[k * ${n}u + j];
      }
      for (var j = 0u; j < ${n}u; j++) {
        x[i * ${n}u + j] -= factor * x[k * ${n}u + j];
      }
    }
  }
  for (var step = 0u; step < ${n}u; step++) {
    let k = ${n - 1}u - step;
    for (var j = 0u; j < ${n}u; j++) {
      var sum = x[k * ${n}u + j];
      for (var i = k + 1u; i < ${n}u; i++) {
        sum -= m[k * ${n}u + i] * x[i * ${n}u + j];
      }
      x[k * ${n}u + j] = sum / m[k * ${n}u + k];
    }
  }
  return x;
}

// earlier = element i, later = element j; M = I + C_i J_j, X = A_j M⁻¹ (from Mᵀ Xᵀ = A_jᵀ), W = M⁻¹ A_i.
fn ${combine}(earlier: ${element}, later: ${element}) -> ${element} {
  var ei = earlier;
  var lj = later;
  var m: array<f32, ${nn}>;
  var mt: array<f32, ${nn}>;
  var ajt: array<f32, ${nn}>;
  for (var i = 0u; i < ${n}u; i++) {
    for (var j = 0u; j < ${n}u; j++) {
      ${sumLoop(n, `ei.C[i * ${n}u + k] * lj.J[k * ${n}u + j]`)}
      let value = sum + select(0.0, 1.0, i == j);
      m[i * ${n}u + j] = value;
      mt[j * ${n}u + i] = value;
      ajt[j * ${n}u + i] = lj.A[i * ${n}u + j];
    }
  }
  var xt = ${solve}(mt, ajt);
  var w = ${solve}(m, ei.A);
  var meanTerm: array<f32, ${n}>;
  var informationTerm: array<f32, ${n}>;
  for (var i = 0u; i < ${n}u; i++) {
    var ceta = 0.0;
    var jb = 0.0;
    for (var k = 0u; k < ${n}u; k++) {
      ceta += ei.C[i * ${n}u + k] * lj.eta[k];
      jb += lj.J[i * ${n}u + k] * ei.b[k];
    }
    meanTerm[i] = ei.b[i] + ceta;
    informationTerm[i] = lj.eta[i] - jb;
  }
  var xc: array<f32, ${nn}>;
  var ja: array<f32, ${nn}>;
  for (var i = 0u; i < ${n}u; i++) {
    for (var j = 0u; j < ${n}u; j++) {
      var sumXC = 0.0;
      var sumJA = 0.0;
      for (var k = 0u; k < ${n}u; k++) {
        sumXC += xt[k * ${n}u + i] * ei.C[k * ${n}u + j];
        sumJA += lj.J[i * ${n}u + k] * ei.A[k * ${n}u + j];
      }
      xc[i * ${n}u + j] = sumXC;
      ja[i * ${n}u + j] = sumJA;
    }
  }
  var out: ${element};
  for (var i = 0u; i < ${n}u; i++) {
    for (var j = 0u; j < ${n}u; j++) {
      var sumA = 0.0;
      var sumC = 0.0;
      var sumJ = 0.0;
      for (var k = 0u; k < ${n}u; k++) {
        sumA += xt[k * ${n}u + i] * ei.A[k * ${n}u + j];
        sumC += xc[i * ${n}u + k] * lj.A[j * ${n}u + k];
        sumJ += w[k * ${n}u + i] * ja[k * ${n}u + j];
      }
      out.A[i * ${n}u + j] = sumA;
      out.C[i * ${n}u + j] = sumC + lj.C[i * ${n}u + j];
      out.J[i * ${n}u + j] = sumJ + ei.J[i * ${n}u + j];
    }
    var sumB = 0.0;
    var sumEta = 0.0;
    for (var k = 0u; k < ${n}u; k++) {
      sumB += xt[k * ${n}u + i] * meanTerm[k];
      sumEta += w[k * ${n}u + i] * informationTerm[k];
    }
    out.b[i] = sumB + lj.b[i];
    out.eta[i] = sumEta + ei.eta[i];
  }
  for (var i = 0u; i < ${n}u; i++) {
    for (var j = i + 1u; j < ${n}u; j++) {
      let c = 0.5 * (out.C[i * ${n}u + j] + out.C[j * ${n}u + i]);
      out.C[i * ${n}u + j] = c;
      out.C[j * ${n}u + i] = c;
      let information = 0.5 * (out.J[i * ${n}u + j] + out.J[j * ${n}u + i]);
      out.J[i * ${n}u + j] = information;
      out.J[j * ${n}u + i] = information;
    }
  }
  return out;
}
`;
  const identityCode = /* wgsl */ `fn ${identity}() -> ${element} {
  var out: ${element};
  for (var i = 0u; i < ${n}u; i++) {
    out.A[i * ${n}u + i] = 1.0;
  }
  return out;
}
`;
  return {
    elementType: element,
    combine: { name: combine, code: combineCode },
    identity: { name: identity, code: identityCode },
  };
}
