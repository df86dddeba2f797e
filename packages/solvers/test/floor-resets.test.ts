/**
 * The floor rule on problems whose iterates are reset: the trained AR-GRU of the paper's Fig. 4 in f32 (it
 * amplifies rounding; DEER and quasi-DEER clip to ±1e8 on the way), and expansive cells that overflow.
 */
import { readFileSync } from 'node:fs';
import { arGru, type Cell, createRandom, readSafetensors, type Tensor } from '@elk/cells';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, type Method, solverDefaults, unitRoundoff } from '../src/index.ts';
import {
  elementwiseCell,
  maxAbsDifference,
  seededRandom,
  sequentialOracle,
  uniformArray,
} from './support.ts';

const trained = readSafetensors(
  new Uint8Array(readFileSync(new URL('../../../apps/bench/models/argru-sine.safetensors', import.meta.url))),
);

/** The trained AR-GRU with every weight scaled by `factor` (1: the trained model). */
function scaledArgru(factor: number): Cell {
  const weights: Record<string, Tensor> = {};
  for (const [name, tensor] of Object.entries(trained))
    weights[name] = { shape: tensor.shape, data: tensor.data.map((x) => x * factor) };
  return arGru({ hidden: 3, weights });
}

interface Outcome {
  /** Why the single sequence stopped. */
  reason: string;
  converged: boolean;
  iterations: number;
  /** max |s − s_sequential, f64|. */
  error: number;
  /** max |s − s_sequential, f64| of the f32 sequential evaluation: the honest f32 floor. */
  honest: number;
  /** The largest |state| after each iteration (index i: after iteration i; index 0: the initial guess). */
  peaks: number[];
}

/** One f32 sequence, traced, against the f64 sequential answer. */
async function runF32(
  cell: Cell,
  inputs64: Float64Array,
  length: number,
  method: Method,
  maxIterations: number,
): Promise<Outcome> {
  const initial64 = new Float64Array(cell.stateSize);
  const truth = sequentialOracle(cell, inputs64, initial64, 1, length);
  const inputs = Float32Array.from(inputs64);
  const initialState = Float32Array.from(initial64);
  const sequential = await evaluate(cell, { inputs, initialState, method: 'sequential' });
  const result = await evaluate(cell, {
    inputs,
    initialState,
    method,
    maxIterations,
    trace: (states) => {
      let peak = 0;
      for (const value of states) peak = Math.max(peak, Math.abs(value));
      return peak;
    },
  });
  return {
    reason: result.perSequence.stopReason[0] ?? '',
    converged: result.converged,
    iterations: result.iterations,
    error: maxAbsDifference(result.states, truth),
    honest: maxAbsDifference(sequential.states, truth),
    peaks: result.trace?.states ?? [],
  };
}

/** No floor stop within `floorResetMemory` iterations of an iterate at the clip bound; no converged run far off. */
function expectHonest(outcome: Outcome): void {
  if (outcome.reason === 'floor') {
    const recent = outcome.peaks.slice(-solverDefaults.floorResetMemory);
    expect(Math.max(...recent)).toBeLessThan(solverDefaults.resetBound);
  }
  if (outcome.converged)
    expect(outcome.error).toBeLessThanOrEqual(10 * Math.max(outcome.honest, unitRoundoff('f32')));
}

describe('the floor rule on reset iterates', () => {
  it('the trained AR-GRU in f32 (T = 2000): DEER and quasi-DEER never report convergence far from the answer', async () => {
    const length = 2000;
    const inputs64 = createRandom(1).fillNormal(new Float64Array(length));
    const cell = scaledArgru(1);
    for (const method of ['deer', 'quasi-deer'] as const) {
      const outcome = await runF32(cell, inputs64, length, method, 250);
      // The case resets: iterates reach the clip bound on the way.
      expect(Math.max(...outcome.peaks)).toBeGreaterThanOrEqual(solverDefaults.resetBound);
      expectHonest(outcome);
      // Either an honest floor (DEER gets there here) or the iteration budget, never a wild "floor".
      expect(['floor', 'maxIterations']).toContain(outcome.reason);
    }
  });

  it('never stops by floor while resets fire: random AR-GRUs and expansive cells in f32', async () => {
    const reasons = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.constantFrom('argru', 'expansive'),
        fc.double({ min: 0.9, max: 1.3, noNaN: true }),
        fc.constantFrom<Method>('deer', 'quasi-deer'),
        async (seed, kind, factor, method) => {
          const random = seededRandom(seed);
          const length = kind === 'argru' ? 600 : 400;
          // s' = 3 tanh(w ⊙ s + v u + c), |w| up to 3: the first Newton iterate grows like 9^t and overflows.
          const cell = kind === 'argru' ? scaledArgru(factor) : elementwiseCell(2, 1, random, 3, 3);
          const inputs64 =
            kind === 'argru'
              ? createRandom(seed).fillNormal(new Float64Array(length))
              : uniformArray(random, length, 0.5);
          const outcome = await runF32(cell, inputs64, length, method, 120);
          fc.pre(Math.max(...outcome.peaks) >= solverDefaults.resetBound);
          reasons.add(outcome.reason);
          expectHonest(outcome);
        },
      ),
      { seed: 9101, numRuns: 24 },
    );
    // Cases that reset and still reached the floor honestly were among them.
    expect(reasons.has('floor')).toBe(true);
  });
});
