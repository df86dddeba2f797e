import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defineCell } from '../src/define-cell.ts';
import { dualOps, NUMBER_OPS, type ScalarOps } from '../src/dual.ts';
import { CellConfigError } from '../src/errors.ts';
import { checkCell, finiteDifferenceJacobian, relativeError } from './helpers.ts';

type UnaryName = 'exp' | 'log' | 'sqrt' | 'sin' | 'cos' | 'tanh' | 'sigmoid' | 'softplus' | 'relu' | 'neg';
const unaries: UnaryName[] = [
  'exp',
  'log',
  'sqrt',
  'sin',
  'cos',
  'tanh',
  'sigmoid',
  'softplus',
  'relu',
  'neg',
];

describe('dual numbers', () => {
  it('differentiate every operation like central differences', () => {
    const duals = dualOps(2);
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 3, noNaN: true }),
        fc.double({ min: 0.1, max: 3, noNaN: true }),
        fc.double({ min: -2, max: 3, noNaN: true }),
        (a, b, p) => {
          const x = duals.variable(a, 0);
          const y = duals.variable(b, 1);
          const h = 1e-6;
          const check = (f: <T>(x: T, y: T, m: ScalarOps<T>) => T) => {
            const result = f(x, y, duals);
            expect(result.value).toBeCloseTo(f(a, b, NUMBER_OPS), 12);
            const dx = (f(a + h, b, NUMBER_OPS) - f(a - h, b, NUMBER_OPS)) / (2 * h);
            const dy = (f(a, b + h, NUMBER_OPS) - f(a, b - h, NUMBER_OPS)) / (2 * h);
            expect(Math.abs(result.tangent[0]! - dx)).toBeLessThan(1e-6 * (1 + Math.abs(dx)));
            expect(Math.abs(result.tangent[1]! - dy)).toBeLessThan(1e-6 * (1 + Math.abs(dy)));
          };
          for (const name of unaries) {
            if (name === 'relu') continue;
            check((x, y, m) => m.mul(m[name](x), y));
          }
          check((x, y, m) => m.add(m.div(x, y), m.sub(m.pow(x, p), y)));
          check((x, y, m) => m.sum([x, m.mul(3, y), m.dot([x, y], [y, 2])]));
          check((x, y, m) => m.relu(m.sub(m.mul(2, x), y)));
        },
      ),
      { seed: 91, numRuns: 60 },
    );
  });
});

describe('defineCell', () => {
  const pendulum = defineCell({
    name: 'pendulum',
    stateSize: 2,
    inputSize: 1,
    step: (s, u, m) => {
      const dt = 0.1;
      const velocity = m.add(s[1]!, m.mul(dt, m.add(m.neg(m.sin(s[0]!)), u[0]!)));
      return [m.add(s[0]!, m.mul(dt, velocity)), m.mul(velocity, m.sigmoid(s[0]!))];
    },
  });

  it('gives exact Jacobians (vs finite differences), consistent diagonals, batch and f32', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => checkCell(pendulum, seed)),
      { seed: 92, numRuns: 30 },
    );
  });

  it('matches a hand-derived Jacobian', () => {
    const linear = defineCell({
      stateSize: 2,
      inputSize: 0,
      step: (s, _u, m) => [m.add(m.mul(2, s[0]!), m.mul(s[0]!, s[1]!)), m.tanh(s[1]!)],
    });
    const s = new Float64Array([0.5, -1]);
    // ∂/∂s: [[2 + s1, s0], [0, 1 - tanh²(s1)]]
    expect(
      relativeError(linear.jacobian(s, new Float64Array(0), 1), [1, 0.5, 0, 1 - Math.tanh(-1) ** 2]),
    ).toBeLessThan(1e-15);
    expect(
      relativeError(finiteDifferenceJacobian(linear, s, new Float64Array(0)), [
        1,
        0.5,
        0,
        1 - Math.tanh(-1) ** 2,
      ]),
    ).toBeLessThan(1e-8);
    expect(linear.wgsl).toBeUndefined();
    expect(linear.name).toBe('custom');
  });

  it('keeps constant outputs and a user-supplied WGSL twin', () => {
    const wgsl = { code: 'fn cell_step() {}', parameters: new Float32Array(0), key: 'user' };
    const constant = defineCell({ stateSize: 2, inputSize: 0, step: (s) => [s[0]!, 3], wgsl });
    expect(constant.wgsl).toBe(wgsl);
    expect(Array.from(constant.jacobian(new Float64Array([1, 2]), new Float64Array(0), 1))).toEqual([
      1, 0, 0, 0,
    ]);
    expect(Array.from(constant.step(new Float64Array([1, 2]), new Float64Array(0), 1))).toEqual([1, 3]);
  });

  it('rejects bad definitions with typed errors', () => {
    expect(() => defineCell({ stateSize: 0, inputSize: 0, step: (s) => s })).toThrow(
      expect.objectContaining({ name: 'CellConfigError', argument: 'stateSize' }),
    );
    expect(() => defineCell({ stateSize: 1, inputSize: -1, step: (s) => s })).toThrow(CellConfigError);
    const short = defineCell({ stateSize: 2, inputSize: 0, step: (s) => [s[0]!] });
    expect(() => short.step(new Float64Array(2), new Float64Array(0), 1)).toThrow(
      expect.objectContaining({ argument: 'step', expected: 'a function returning 2 values (stateSize)' }),
    );
    expect(() => short.jacobian(new Float64Array(2), new Float64Array(0), 1)).toThrow(CellConfigError);
  });
});
