import { type Cell, elman, gru, lorenz96, lstm, minGru } from '@elk/cells';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, type Method, unitRoundoff } from '../src/index.ts';
import { maxAbsDifference, seededRandom, sequentialOracle, uniformArray } from './support.ts';

interface ZooEntry {
  readonly name: string;
  /** A cell of (roughly) state size `size` from a seed. */
  readonly create: (size: number, seed: number) => Cell;
  /** Scale of the random inputs and initial states. */
  readonly inputScale: number;
  /** λ for ELK and quasi-ELK when the method's default does not suit the cell. */
  readonly lambda?: number;
  /** Whether the smoother steps (ELK, quasi-ELK) are asserted on this cell. */
  readonly smoother?: boolean;
  /** Largest T drawn (default 150). */
  readonly maxLength?: number;
}

const zoo: ZooEntry[] = [
  { name: 'gru', create: (size, seed) => gru({ hidden: size, input: 2, seed }), inputScale: 2 },
  { name: 'lstm', create: (size, seed) => lstm({ hidden: size, input: 2, seed }), inputScale: 2 },
  { name: 'elman', create: (size, seed) => elman({ hidden: size, input: 2, seed }), inputScale: 2 },
  { name: 'minGru', create: (size, seed) => minGru({ hidden: size, input: 2, seed }), inputScale: 2 },
  // Lorenz-96 (F = 8, dt = 0.01, chaotic): states of magnitude ~10, no inputs. Its Jacobian is far from
  // diagonal, and quasi-ELK with the AR-GRU's λ = 1e-2 crawls (125 iterations at T = 37, 874 with λ = 0.1):
  // a smaller λ keeps this correctness test fast.
  // Chaotic: rounding differences grow along the trajectory (at T = 100, ELK's f32 answer sits 370× the f32
  // sequential error away from the f64 one; T ≤ 60, i.e. 0.6 time units, keeps it within 10×). The smoother steps are slow or divergent here while the filter converges (measured: quasi-ELK's smoother, the
  // exact LM step of the diagonal model, diverges at T = 90): only the filter (the default) is asserted.
  {
    name: 'lorenz96',
    create: (size) => lorenz96({ dim: size + 3 }),
    inputScale: 8,
    lambda: 1e-4,
    smoother: false,
    maxLength: 60,
  },
];

const runs: { method: Exclude<Method, 'sequential'>; estimator?: 'smoother' }[] = [
  { method: 'jacobi' },
  { method: 'deer' },
  { method: 'quasi-deer' },
  { method: 'elk' },
  { method: 'quasi-elk' },
  { method: 'elk', estimator: 'smoother' },
  { method: 'quasi-elk', estimator: 'smoother' },
];

describe.each(zoo)(
  'every method converges to the sequential answer: $name',
  ({ create, inputScale, lambda, smoother = true, maxLength = 150 }) => {
    it.each(['f64', 'f32'] as const)('%s', async (precision) => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 2 ** 30 }),
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: maxLength }),
          fc.integer({ min: 1, max: 5 }),
          async (seed, batch, length, size) => {
            const random = seededRandom(seed);
            const cell = create(size, seed);
            const D = cell.stateSize;
            const inputs64 = uniformArray(random, batch * length * cell.inputSize, inputScale);
            const initial64 = uniformArray(random, batch * D, inputScale / 2);
            const truth = sequentialOracle(cell, inputs64, initial64, batch, length);
            const f32 = precision === 'f32';
            const inputs = f32 ? Float32Array.from(inputs64) : inputs64;
            const initialState = f32 ? Float32Array.from(initial64) : initial64;
            const magnitude = Math.max(1, ...truth.map(Math.abs));
            let bound = 1e-6 * magnitude;
            if (f32) {
              const sequential = await evaluate(cell, { inputs, initialState, method: 'sequential', length });
              bound =
                10 * Math.max(maxAbsDifference(sequential.states, truth), unitRoundoff('f32') * magnitude);
            }
            for (const { method, estimator } of runs) {
              if (estimator === 'smoother' && !smoother) continue;
              const result = await evaluate(cell, {
                inputs,
                initialState,
                method,
                length,
                // ELK's trust region damps each step: a budget beyond T + 1.
                maxIterations: 2 * length + 100,
                ...(lambda === undefined ? {} : { lambda }),
                ...(estimator === undefined ? {} : { estimator }),
                ...(f32 ? {} : { tolerance: 1e-10 }),
              });
              const label = `${method} ${estimator ?? ''}`;
              expect(result.converged, label).toBe(true);
              expect(maxAbsDifference(result.states, truth), label).toBeLessThanOrEqual(bound);
            }
          },
        ),
        { seed: 5501, numRuns: 8 },
      );
    });
  },
);
