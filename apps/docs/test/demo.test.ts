/**
 * The live demo's logic (src/demo), on the CPU backend: the cases are deterministic, and a run reports the
 * error against the sequential loop that the page plots and exposes.
 */
import { readFile } from 'node:fs/promises';
import { arGru, readSafetensors } from '@elk/cells';
import { createCpuBackend, evaluate } from '@elk/solvers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { trainedArGruFile } from '../src/build/paths.ts';
import { buildDemoCase, DemoSettingError } from '../src/demo/demo-case.ts';
import {
  type DemoMethod,
  defaultLambda,
  demoDefaults,
  demoMethods,
  usesLambda,
} from '../src/demo/demo-defaults.ts';
import {
  errorPlotData,
  errorPlotFloor,
  errorPlotSpec,
  trajectoryPlotData,
  trajectoryPlotSpec,
} from '../src/demo/demo-plots.ts';
import { maxAbsDifference, runDemo, trajectorySteps } from '../src/demo/run-demo.ts';

describe('demo cases', () => {
  it('are deterministic: the same settings give the same cell, inputs and initial state', async () => {
    const first = await buildDemoCase({ cell: 'gru', length: 300 });
    const second = await buildDemoCase({ cell: 'gru', length: 300 });
    expect(second.inputs).toEqual(first.inputs);
    expect(second.initialState).toEqual(first.initialState);
    expect(first.inputs).toHaveLength(300 * first.cell.inputSize);
    expect(first.initialState).toHaveLength(first.cell.stateSize);
    const state = Float64Array.from({ length: first.cell.stateSize }, (_, i) => Math.sin(i));
    const input = Float64Array.from(first.inputs.subarray(0, first.cell.inputSize));
    expect(second.cell.step(state, input, 1)).toEqual(first.cell.step(state, input, 1));
  });

  it('reject a length outside 1 … maxLength, naming the setting', async () => {
    for (const length of [0, -3, 1.5, demoDefaults.maxLength + 1, Number.NaN]) {
      await expect(buildDemoCase({ cell: 'lorenz96', length })).rejects.toThrow(DemoSettingError);
      await expect(buildDemoCase({ cell: 'gru', length })).rejects.toThrow(/'length'/);
    }
  });

  it('start Lorenz-96 on its attractor: the burn-in loop, in f64, rounded to f32', async () => {
    const demo = await buildDemoCase({ cell: 'lorenz96', length: 10 });
    const { burnIn, dim } = demoDefaults.lorenz96;
    expect(demo.inputs).toHaveLength(0);
    expect(demo.cell.stateSize).toBe(dim);
    let state = Float64Array.of(8.01, 8, 8, 8, 8);
    for (let t = 0; t < burnIn; t++) state = Float64Array.from(demo.cell.step(state, new Float64Array(0), 1));
    expect(demo.initialState).toEqual(Float32Array.from(state));
    expect(Math.max(...state.map(Math.abs))).toBeGreaterThan(1); // far from the equilibrium, on the attractor
  });

  it('load the trained AR-GRU from safetensors bytes, and say what is missing without them', async () => {
    const model = await readFile(trainedArGruFile);
    const demo = await buildDemoCase({ cell: 'argru', length: 100, weights: new Uint8Array(model) });
    const reference = arGru({ hidden: demo.cell.stateSize - 1, weights: readSafetensors(model) });
    const noise = Float64Array.from(demo.inputs);
    const { states } = reference.sample({ length: 100, noise });
    const sequential = await evaluate(demo.cell, {
      inputs: noise,
      initialState: new Float64Array(demo.cell.stateSize),
      method: 'sequential',
    });
    expect(maxAbsDifference(sequential.states, states)).toBeLessThan(1e-9); // the sampler, step for step
    await expect(buildDemoCase({ cell: 'argru', length: 100 })).rejects.toThrow(/'weights'/);
  });
});

describe('demo settings', () => {
  it("give λ only to ELK and quasi-ELK, with the paper's values", () => {
    expect(demoMethods.filter((m) => usesLambda(m.value)).map((m) => m.value)).toEqual(['quasi-elk', 'elk']);
    expect(defaultLambda('lorenz96', 'quasi-elk')).toBe(0.1);
    expect(defaultLambda('argru', 'elk')).toBe(1e-6);
    expect(defaultLambda('gru', 'quasi-deer')).toBeUndefined();
  });
});

describe('trajectorySteps', () => {
  it('samples evenly, sorted and unique, from the first step to the last', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 2, max: 500 }),
        (length, points) => {
          const steps = trajectorySteps(length, points);
          expect(steps[0]).toBe(0);
          expect(steps.at(-1)).toBe(length - 1);
          expect(steps.length).toBeLessThanOrEqual(Math.min(length, points));
          for (let i = 1; i < steps.length; i++) expect(steps[i]).toBeGreaterThan(steps[i - 1] ?? Number.NaN);
          if (length <= points) expect(steps).toHaveLength(length);
        },
      ),
      { seed: 8, numRuns: 300 },
    );
  });
});

describe('maxAbsDifference', () => {
  it('is the largest absolute difference, and infinite when a NaN appears', () => {
    expect(maxAbsDifference([1, 2, 3], [1, 2.5, 2])).toBe(1);
    expect(maxAbsDifference([0, Number.NaN], [0, 0])).toBe(Number.POSITIVE_INFINITY);
    expect(maxAbsDifference([], [])).toBe(0);
  });
});

describe('runDemo on the CPU backend', () => {
  const methods: DemoMethod[] = demoMethods.map((m) => m.value);

  it('reports the answer, its error against the f64 loop and the error per iteration, for every method', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 400 }),
        fc.constantFrom(...methods),
        async (length, method) => {
          const demo = await buildDemoCase({ cell: 'gru', length });
          const backend = createCpuBackend();
          const result = await runDemo(demo, { method, lambda: defaultLambda('gru', method) ?? 0 }, backend);
          backend.destroy();
          const sequential = await evaluate(demo.cell, {
            inputs: Float64Array.from(demo.inputs),
            initialState: Float64Array.from(demo.initialState),
            method: 'sequential',
          });
          const dim = demo.cell.stateSize;
          expect(result.converged).toBe(true);
          expect(result.maxError).toBeLessThan(1e-3);
          expect(result.sequentialFinalState).toEqual(
            Array.from(sequential.states.subarray((length - 1) * dim)),
          );
          expect(maxAbsDifference(result.finalState, result.sequentialFinalState)).toBeLessThanOrEqual(
            result.maxError,
          );
          // Entry 0 is the zero initial guess: its error is the largest |state| of the loop.
          expect(result.errorByIteration[0]).toBeCloseTo(
            maxAbsDifference(sequential.states, new Float64Array(length * dim)),
            12,
          );
          expect(result.errorByIteration.at(-1)).toBeCloseTo(result.maxError, 12);
          expect(result.lambda).toBe(usesLambda(method) ? (defaultLambda('gru', method) ?? null) : null);
          for (const point of result.trajectory) {
            expect(point.sequential).toBe(sequential.states[(point.t - 1) * dim]);
          }
        },
      ),
      { seed: 21, numRuns: 15 },
    );
  });

  it('produces plot specifications carrying every point, with zero errors drawn at the floor', async () => {
    const demo = await buildDemoCase({ cell: 'gru', length: 50 });
    const backend = createCpuBackend();
    const result = await runDemo(demo, { method: 'deer' }, backend);
    backend.destroy();
    const errorValues = errorPlotData(result);
    const trajectoryValues = trajectoryPlotData(result);
    expect(errorPlotSpec(result).data).toEqual({ values: errorValues });
    expect(trajectoryPlotSpec(result).data).toEqual({ values: trajectoryValues });
    expect(errorValues).toHaveLength(result.errorByIteration.length);
    const clamped = errorPlotData({ ...result, errorByIteration: [1, 0, Number.POSITIVE_INFINITY, 1e-20] });
    expect(clamped.map((row) => row.error)).toEqual([1, errorPlotFloor, null, errorPlotFloor]);
    for (const value of errorValues) expect(value.error).toBeGreaterThanOrEqual(errorPlotFloor);
    expect(trajectoryValues).toHaveLength(2 * result.trajectory.length);
  });
});
