import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defineCell } from '../src/define-cell.ts';
import type { Operand, ScalarOps } from '../src/dual.ts';
import { CellConfigError } from '../src/errors.ts';
import { lorenz96 } from '../src/lorenz96.ts';
import { createRandom } from '../src/random.ts';
import { checkCell, relativeError } from './helpers.ts';

function field<T>(x: readonly Operand<T>[], forcing: number, m: ScalarOps<T>): T[] {
  const D = x.length;
  return x.map((value, i) =>
    m.add(m.sub(m.mul(m.sub(x[(i + 1) % D]!, x[(i + D - 2) % D]!), x[(i + D - 1) % D]!), value), forcing),
  );
}

/** Classic RK4, written out stage by stage. */
function rk4Step<T>(x: readonly Operand<T>[], forcing: number, dt: number, m: ScalarOps<T>): T[] {
  const axpy = (y: readonly Operand<T>[], k: readonly T[], h: number) =>
    y.map((v, i) => m.add(v, m.mul(h, k[i]!)));
  const k1 = field(x, forcing, m);
  const k2 = field(axpy(x, k1, dt / 2), forcing, m);
  const k3 = field(axpy(x, k2, dt / 2), forcing, m);
  const k4 = field(axpy(x, k3, dt), forcing, m);
  return x.map((v, i) =>
    m.add(v, m.mul(dt / 6, m.sum([k1[i]!, m.mul(2, k2[i]!), m.mul(2, k3[i]!), k4[i]!]))),
  );
}

/** The exact flow over dt, approximated by `substeps` RK4 steps. */
function fineFlow(x: Float64Array, forcing: number, dt: number, substeps: number): number[] {
  let state: number[] = Array.from(x);
  for (let step = 0; step < substeps; step++) {
    state = rk4Step(state, forcing, dt / substeps, {
      value: (v) => v,
      add: (a, b) => a + b,
      sub: (a, b) => a - b,
      mul: (a, b) => a * b,
      div: (a, b) => a / b,
      neg: (a) => -a,
      sum: (t) => t.reduce((s, v) => s + v, 0),
      dot: () => 0,
      exp: Math.exp,
      log: Math.log,
      sqrt: Math.sqrt,
      pow: (a, p) => a ** p,
      sin: Math.sin,
      cos: Math.cos,
      tanh: Math.tanh,
      sigmoid: (a) => 1 / (1 + Math.exp(-a)),
      softplus: (a) => Math.log1p(Math.exp(a)),
      relu: (a) => Math.max(a, 0),
    });
  }
  return state;
}

const settings = fc.record({
  dim: fc.integer({ min: 4, max: 8 }),
  forcing: fc.double({ min: -2, max: 12, noNaN: true }),
  dt: fc.double({ min: 0.001, max: 0.05, noNaN: true }),
  seed: fc.integer({ min: 0, max: 2 ** 31 }),
});

describe('lorenz96', () => {
  it('RK4 and Dopri5 have exact Jacobians through the step, a consistent diagonal, batch and f32', () => {
    fc.assert(
      fc.property(settings, ({ dim, forcing, dt, seed }) => {
        const rk4 = lorenz96({ dim, forcing, dt, integrator: 'rk4' });
        const reference = defineCell({
          stateSize: dim,
          inputSize: 0,
          step: (s, _u, m) => rk4Step(s, forcing, dt, m),
        });
        checkCell(rk4, seed, { reference, scale: 4 });
        checkCell(lorenz96({ dim, forcing, dt }), seed + 1, { scale: 4 });
      }),
      { seed: 51, numRuns: 30 },
    );
  });

  it('steps like the finely integrated flow, with errors of order 4 (RK4) and 5 (Dopri5)', () => {
    fc.assert(
      fc.property(settings, ({ dim, seed }) => {
        const state = createRandom(seed).fillNormal(new Float64Array(dim), 3, 8);
        for (const [integrator, order] of [
          ['rk4', 4],
          ['dopri5', 5],
        ] as const) {
          const errors = [0.02, 0.01].map((dt) => {
            const cell = lorenz96({ dim, dt, integrator });
            const exact = fineFlow(state, 8, dt, 400);
            return relativeError(cell.step(state, new Float64Array(0), 1), exact, 1);
          });
          // local error C·dt^(order+1): halving dt divides it by ~2^(order+1)
          expect(errors[1]!).toBeLessThan(integrator === 'rk4' ? 1e-5 : 1e-7);
          if (errors[0]! > 1e-12) expect(errors[0]! / errors[1]!).toBeGreaterThan(2 ** (order + 1) / 2);
        }
      }),
      { seed: 52, numRuns: 10 },
    );
  });

  it('uses the paper defaults and rejects bad settings', () => {
    const cell = lorenz96({ dim: 5 });
    expect([cell.forcing, cell.dt, cell.integrator, cell.inputSize]).toEqual([8, 0.01, 'dopri5', 0]);
    // the fixed point x_i = F stays put
    expect(Array.from(cell.step(new Float64Array(5).fill(8), new Float64Array(0), 1))).toEqual(
      new Array(5).fill(8),
    );
    expect(() => lorenz96({ dim: 3 })).toThrow(expect.objectContaining({ argument: 'dim' }));
    expect(() => lorenz96({ dim: 5, dt: Number.NaN })).toThrow(CellConfigError);
    expect(() => lorenz96({ dim: 5, integrator: 'euler' as 'rk4' })).toThrow(
      expect.objectContaining({ argument: 'integrator' }),
    );
    expect(() => cell.step(new Float64Array(5), new Float64Array(1), 1)).toThrow(
      expect.objectContaining({ argument: 'inputs' }),
    );
  });
});
