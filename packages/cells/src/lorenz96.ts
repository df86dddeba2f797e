/**
 * The Lorenz-96 system discretised by one explicit Runge–Kutta step (RK4 or Dormand–Prince 5(4)), with
 * Jacobians obtained by differentiating through the integrator step, and its WGSL twin.
 *
 * @module
 */
import type { Cell, FloatArray } from './cell.ts';
import { createCellFromKernel } from './cell-kernel.ts';
import { CellConfigError } from './errors.ts';
import { finiteNumber, oneOf, positiveInteger } from './options.ts';
import { u32, wgslKey } from './wgsl-common.ts';

/**
 * An explicit Runge–Kutta integrator for one step of dx/dt = F(x).
 *
 * @example
 * ```ts
 * const integrator: Lorenz96Integrator = 'rk4';
 * lorenz96({ dim: 5, integrator });
 * ```
 */
export type Lorenz96Integrator = 'rk4' | 'dopri5';

/**
 * Defaults of {@link lorenz96}: the paper's settings (F = 8, one Dopri5 step of dt = 0.01).
 *
 * @example
 * ```ts
 * lorenz96({ dim: 5 }).dt === LORENZ96_DEFAULTS.dt; // true
 * ```
 */
export const LORENZ96_DEFAULTS = { forcing: 8, dt: 0.01, integrator: 'dopri5' } as const;

/** Butcher tableaux (a: strictly lower triangular rows; b: the propagated solution's weights). */
const TABLEAUX: Record<Lorenz96Integrator, { a: number[][]; b: number[] }> = {
  rk4: {
    a: [[], [1 / 2], [0, 1 / 2], [0, 0, 1]],
    b: [1 / 6, 1 / 3, 1 / 3, 1 / 6],
  },
  // Dormand & Prince (1980): the 5th-order solution (the FSAL 7th stage only serves the error estimate).
  dopri5: {
    a: [
      [],
      [1 / 5],
      [3 / 40, 9 / 40],
      [44 / 45, -56 / 15, 32 / 9],
      [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
      [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
    ],
    b: [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
  },
};

/**
 * Options of {@link lorenz96}; defaults in {@link LORENZ96_DEFAULTS}.
 *
 * @example
 * ```ts
 * const options: Lorenz96Options = { dim: 16, forcing: 8, dt: 0.005, integrator: 'rk4' };
 * const cell = lorenz96(options);
 * ```
 */
export interface Lorenz96Options {
  /** D, the number of variables (≥ 4). */
  dim: number;
  /** F, the forcing (default 8). */
  forcing?: number;
  /** The step dt (default 0.01). */
  dt?: number;
  /** `'dopri5'` (default) or `'rk4'`. */
  integrator?: Lorenz96Integrator;
}

/**
 * A Lorenz-96 cell: a {@link Cell} with input size 0 that also exposes its settings.
 *
 * @example
 * ```ts
 * const cell: Lorenz96Cell = lorenz96({ dim: 5 });
 * console.log(cell.forcing, cell.dt, cell.integrator); // 8 0.01 'dopri5'
 * ```
 */
export interface Lorenz96Cell extends Cell {
  readonly forcing: number;
  readonly dt: number;
  readonly integrator: Lorenz96Integrator;
}

/**
 * Lorenz-96 (Lorenz 1996): dx_i/dt = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F, indices cyclic; the cell is one
 * step x' = x + dt Σ_m b_m k_m, k_m = F(x + dt Σ_{l<m} a_ml k_l) of RK4 or Dopri5. Input size 0.
 *
 * The Jacobian is that of the discrete step, exactly: on the CPU, forward-mode tangents pushed through the
 * stages (T_{X_m} = I + dt Σ a_ml T_{k_l}, T_{k_m} = ∂F(X_m) T_{X_m}, J = I + dt Σ b_m T_{k_m}; O(stages·D²));
 * in WGSL each row by reverse mode through the same stages. The diagonal is taken from the dense Jacobian
 * (a multi-stage step has no cheaper exact diagonal).
 *
 * @example
 * ```ts
 * const cell = lorenz96({ dim: 5 }); // F = 8, dt = 0.01, Dopri5, as in the ELK paper
 * const next = cell.step(new Float64Array([8, 8, 8.01, 8, 8]), new Float64Array(0), 1);
 * ```
 */
export function lorenz96(options: Lorenz96Options): Lorenz96Cell {
  const D = positiveInteger('dim', options.dim);
  if (D < 4) throw new CellConfigError('dim', 'an integer ≥ 4', String(D));
  const forcing = finiteNumber('forcing', options.forcing ?? LORENZ96_DEFAULTS.forcing);
  const dt = finiteNumber('dt', options.dt ?? LORENZ96_DEFAULTS.dt);
  const integrator = oneOf('integrator', options.integrator ?? LORENZ96_DEFAULTS.integrator, [
    'rk4',
    'dopri5',
  ] as const);
  const { a, b } = TABLEAUX[integrator];
  const stages = b.length;
  const X = new Float64Array(stages * D);
  const K = new Float64Array(stages * D);
  const tangentX = new Float64Array(D * D);
  const tangentK = new Float64Array(stages * D * D);
  const dense = new Float64Array(D * D);

  const field = (x: Float64Array, offset: number, out: Float64Array, outOffset: number) => {
    for (let i = 0; i < D; i++) {
      const next = x[offset + ((i + 1) % D)] ?? 0;
      const previous = x[offset + ((i + D - 1) % D)] ?? 0;
      const previous2 = x[offset + ((i + D - 2) % D)] ?? 0;
      out[outOffset + i] = (next - previous2) * previous - (x[offset + i] ?? 0) + forcing;
    }
  };

  const kernel = (
    states: FloatArray,
    so: number,
    _inputs: FloatArray,
    _io: number,
    values: FloatArray,
    vo: number,
    mode: 'none' | 'dense' | 'diagonal',
    jacobian: FloatArray,
    jo: number,
  ) => {
    const withTangents = mode !== 'none';
    for (let m = 0; m < stages; m++) {
      const row = a[m] ?? [];
      for (let i = 0; i < D; i++) {
        let value = states[so + i] ?? 0;
        for (let l = 0; l < row.length; l++) value += dt * (row[l] ?? 0) * (K[l * D + i] ?? 0);
        X[m * D + i] = value;
      }
      field(X, m * D, K, m * D);
      if (!withTangents) continue;
      // T_X = I + dt Σ_l a_ml T_K[l]; T_K[m] = ∂F(X_m) T_X (rows of ∂F: X_{i-1} at i+1, -X_{i-1} at i-2,
      // X_{i+1} - X_{i-2} at i-1, -1 at i).
      for (let index = 0; index < D * D; index++) {
        let value = index % (D + 1) === 0 ? 1 : 0;
        for (let l = 0; l < row.length; l++) value += dt * (row[l] ?? 0) * (tangentK[l * D * D + index] ?? 0);
        tangentX[index] = value;
      }
      const base = m * D;
      for (let i = 0; i < D; i++) {
        const up = (i + 1) % D;
        const down = (i + D - 1) % D;
        const down2 = (i + D - 2) % D;
        const xDown = X[base + down] ?? 0;
        const slope = (X[base + up] ?? 0) - (X[base + down2] ?? 0);
        const target = m * D * D + i * D;
        for (let j = 0; j < D; j++) {
          tangentK[target + j] =
            xDown * ((tangentX[up * D + j] ?? 0) - (tangentX[down2 * D + j] ?? 0)) +
            slope * (tangentX[down * D + j] ?? 0) -
            (tangentX[i * D + j] ?? 0);
        }
      }
    }
    for (let i = 0; i < D; i++) {
      let value = states[so + i] ?? 0;
      for (let m = 0; m < stages; m++) value += dt * (b[m] ?? 0) * (K[m * D + i] ?? 0);
      values[vo + i] = value;
    }
    if (!withTangents) return;
    const target = mode === 'dense' ? jacobian : dense;
    const offset = mode === 'dense' ? jo : 0;
    for (let index = 0; index < D * D; index++) {
      let value = index % (D + 1) === 0 ? 1 : 0;
      for (let m = 0; m < stages; m++) value += dt * (b[m] ?? 0) * (tangentK[m * D * D + index] ?? 0);
      target[offset + index] = value;
    }
    if (mode === 'diagonal') for (let i = 0; i < D; i++) jacobian[jo + i] = dense[i * (D + 1)] ?? 0;
  };

  return createCellFromKernel(
    { name: 'lorenz96', stateSize: D, inputSize: 0, kernel, wgsl: lorenz96Wgsl(integrator, forcing, dt) },
    { forcing, dt, integrator },
  );
}

function lorenz96Wgsl(integrator: Lorenz96Integrator, forcing: number, dt: number) {
  const { a, b } = TABLEAUX[integrator];
  const stages = b.length;
  const literal = (value: number) => (Number.isInteger(value) ? `${value}.0` : `${value}`);
  const aRows = a.map((row) => {
    const full = Array.from({ length: stages }, (_, l) => literal(row[l] ?? 0));
    return `array<f32, ${stages}>(${full.join(', ')})`;
  });
  const code = /* wgsl */ `
const cell_l96_stages: u32 = ${u32(stages)};
const cell_l96_a = array<array<f32, ${stages}>, ${stages}>(
  ${aRows.join(',\n  ')},
);
const cell_l96_b = array<f32, ${stages}>(${b.map(literal).join(', ')});

// cell_params: [forcing, dt]
fn cell_l96_field(x: ptr<function, array<f32, STATE_SIZE>>, i: u32) -> f32 {
  let D = STATE_SIZE;
  let up = (*x)[(i + 1u) % D];
  let down = (*x)[(i + D - 1u) % D];
  let down2 = (*x)[(i + D - 2u) % D];
  return (up - down2) * down - (*x)[i] + cell_params[0];
}

// Stage inputs X_m and slopes k_m of one step from s.
fn cell_l96_stages_of(
  s: ptr<function, array<f32, STATE_SIZE>>,
  xs: ptr<function, array<array<f32, STATE_SIZE>, ${stages}>>,
  ks: ptr<function, array<array<f32, STATE_SIZE>, ${stages}>>,
) {
  let dt = cell_params[1];
  for (var m = 0u; m < cell_l96_stages; m++) {
    var x: array<f32, STATE_SIZE>;
    for (var i = 0u; i < STATE_SIZE; i++) {
      var value = (*s)[i];
      for (var l = 0u; l < m; l++) { value += dt * cell_l96_a[m][l] * (*ks)[l][i]; }
      x[i] = value;
    }
    (*xs)[m] = x;
    for (var i = 0u; i < STATE_SIZE; i++) { (*ks)[m][i] = cell_l96_field(&x, i); }
  }
}

fn cell_l96_combine(
  s: ptr<function, array<f32, STATE_SIZE>>, ks: ptr<function, array<array<f32, STATE_SIZE>, ${stages}>>,
) -> array<f32, STATE_SIZE> {
  let dt = cell_params[1];
  var out: array<f32, STATE_SIZE>;
  for (var i = 0u; i < STATE_SIZE; i++) {
    var value = (*s)[i];
    for (var m = 0u; m < cell_l96_stages; m++) { value += dt * cell_l96_b[m] * (*ks)[m][i]; }
    out[i] = value;
  }
  return out;
}

// Row r of the step's Jacobian by reverse mode: cotangents of k_m, X_m from the last stage down.
fn cell_l96_row(
  xs: ptr<function, array<array<f32, STATE_SIZE>, ${stages}>>, row: u32,
) -> array<f32, STATE_SIZE> {
  let D = STATE_SIZE;
  let dt = cell_params[1];
  var result: array<f32, STATE_SIZE>;
  result[row] = 1.0;
  var pending: array<array<f32, STATE_SIZE>, ${stages}>;
  for (var step = 0u; step < cell_l96_stages; step++) {
    let m = cell_l96_stages - 1u - step;
    var v = pending[m];
    v[row] += dt * cell_l96_b[m];
    // X̄_m = ∂F(X_m)ᵀ k̄_m
    var adjoint: array<f32, STATE_SIZE>;
    for (var j = 0u; j < D; j++) {
      let x_up = (*xs)[m][(j + 1u) % D];
      let x_up2 = (*xs)[m][(j + 2u) % D];
      let x_down = (*xs)[m][(j + D - 1u) % D];
      let x_down2 = (*xs)[m][(j + D - 2u) % D];
      adjoint[j] = v[(j + D - 1u) % D] * x_down2 - v[(j + 2u) % D] * x_up + v[(j + 1u) % D] * (x_up2 - x_down) - v[j];
    }
    for (var j = 0u; j < D; j++) {
      result[j] += adjoint[j];
      for (var l = 0u; l < m; l++) { pending[l][j] += dt * cell_l96_a[m][l] * adjoint[j]; }
    }
  }
  return result;
}

fn cell_step(s: array<f32, STATE_SIZE>, u: array<f32, INPUT_SIZE>) -> array<f32, STATE_SIZE> {
  var state = s;
  var xs: array<array<f32, STATE_SIZE>, ${stages}>;
  var ks: array<array<f32, STATE_SIZE>, ${stages}>;
  cell_l96_stages_of(&state, &xs, &ks);
  return cell_l96_combine(&state, &ks);
}

fn cell_step_diagonal(
  s: array<f32, STATE_SIZE>, u: array<f32, INPUT_SIZE>, diagonal: ptr<function, array<f32, STATE_SIZE>>,
) -> array<f32, STATE_SIZE> {
  var state = s;
  var xs: array<array<f32, STATE_SIZE>, ${stages}>;
  var ks: array<array<f32, STATE_SIZE>, ${stages}>;
  cell_l96_stages_of(&state, &xs, &ks);
  for (var i = 0u; i < STATE_SIZE; i++) { (*diagonal)[i] = cell_l96_row(&xs, i)[i]; }
  return cell_l96_combine(&state, &ks);
}

fn cell_jacobian_row(s: array<f32, STATE_SIZE>, u: array<f32, INPUT_SIZE>, row: u32) -> array<f32, STATE_SIZE> {
  var state = s;
  var xs: array<array<f32, STATE_SIZE>, ${stages}>;
  var ks: array<array<f32, STATE_SIZE>, ${stages}>;
  cell_l96_stages_of(&state, &xs, &ks);
  return cell_l96_row(&xs, row);
}
`;
  return { code, parameters: new Float32Array([forcing, dt]), key: wgslKey(`lorenz96-${integrator}`, code) };
}
