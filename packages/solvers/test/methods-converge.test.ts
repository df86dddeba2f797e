import { type Cell, gru } from '@elk/cells';
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
}

const zoo: ZooEntry[] = [
  { name: 'gru', create: (size, seed) => gru({ hidden: size, input: 2, seed }), inputScale: 2 },
];

const iterative: Exclude<Method, 'sequential'>[] = ['jacobi', 'deer', 'quasi-deer', 'elk', 'quasi-elk'];

describe.each(zoo)('every method converges to the sequential answer: $name', ({ create, inputScale }) => {
  it.each(['f64', 'f32'] as const)('%s', async (precision) => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 150 }),
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
          for (const method of iterative) {
            const result = await evaluate(cell, {
              inputs,
              initialState,
              method,
              length,
              // ELK's trust region damps each step by λ/(1 + λ): a few more than T + 1 iterations on tiny T.
              maxIterations: length + 20,
              ...(f32 ? {} : { tolerance: 1e-10 }),
            });
            expect(result.converged, method).toBe(true);
            expect(maxAbsDifference(result.states, truth), method).toBeLessThanOrEqual(bound);
          }
        },
      ),
      { seed: 5501, numRuns: 8 },
    );
  });
});
