import { describe, expect, it } from 'vitest';
import { runFig4 } from '../src/figures/fig4.ts';
import { runFig7 } from '../src/figures/fig7.ts';
import { runFig8 } from '../src/figures/fig8.ts';
import { expectFinite, expectOutputs } from './support/expect-outputs.ts';
import { testContext } from './support/test-context.ts';

describe('fig4 at a small size', () => {
  it('records finite MAD curves and traces for every method, and ELK beats DEER on the trained AR-GRU', async () => {
    const context = testContext(['fig4']);
    const result = await runFig4(context, {
      length: 1_000,
      estimator: 'filter',
      comparisonBudget: 60,
      maxIterations: 60,
      snapshots: [1, 30, 60],
      lambda: { elk: 1e-6, quasiElk: 1e-2 },
    });
    await expectOutputs(context, result, ['curves', 'runs', 'traces']);
    const curves = result.tables.curves ?? [];
    const runs = result.tables.runs ?? [];
    // 4 methods × (trained, untrained, trained in f32) + the f32 sequential sample's own deviation
    expect(runs).toHaveLength(13);
    const f32Floor = runs.find((row) => row.method === 'sequential (f32)');
    expect(Number(f32Floor?.finalMad)).toBeGreaterThan(0);
    expect(Number(f32Floor?.finalMad)).toBeLessThan(1e-3);
    for (const model of ['trained', 'untrained', 'trained, f32 (cpu)']) {
      for (const run of runs.filter((row) => row.model === model && row.method !== 'sequential (f32)')) {
        const curve = curves.filter((row) => row.model === model && row.method === run.method);
        expect(curve.length).toBe(Number(run.iterations) + 1);
        expectFinite(curve.map((row) => row.mad));
      }
    }
    // Untrained: every method converges to the sequential sample.
    for (const run of runs.filter((row) => row.model === 'untrained')) {
      expect(run.converged).toBe(true);
      expect(Number(run.finalMad)).toBeLessThan(1e-6);
    }
    // Trained: after the same iteration budget, ELK's MAD is below DEER's (the paper's Fig. 4).
    const trained = (label: string) =>
      runs.find((row) => row.model === 'trained' && String(row.method).startsWith(label));
    const deer = trained('DEER');
    const elk = trained('ELK');
    expect(Number(elk?.madAtBudget)).toBeLessThan(Number(deer?.madAtBudget));
    // DEER's iterates blow up to the reset heuristic's clip bound on the trained model; ELK's stay bounded.
    expect(Number(deer?.largestMagnitude)).toBeGreaterThan(1e6);
    expect(Number(elk?.largestMagnitude)).toBeLessThan(Number(deer?.largestMagnitude));
    const traces = result.tables.traces ?? [];
    expectFinite(traces.map((row) => row.x));
    expect(new Set(traces.map((row) => row.afterIterations))).toEqual(new Set([0, 1, 30, 60]));
    expect(result.backend).toEqual({ kind: 'cpu', adapter: null });
  });
});

describe('fig7 at a small size', () => {
  it('sweeps λ for ELK and quasi-ELK with finite results', async () => {
    const context = testContext(['fig7']);
    const lambdas = [1e-6, 1e-2, 1];
    const result = await runFig7(context, {
      length: 200,
      estimator: 'filter',
      lambdas,
      seeds: 2,
      maxIterations: 40,
    });
    await expectOutputs(context, result, ['sweep']);
    const rows = result.tables.sweep ?? [];
    expect(rows).toHaveLength(2 * 2 * lambdas.length);
    expectFinite(rows.map((row) => row.finalMad));
    expectFinite(rows.map((row) => row.iterations));
    for (const row of rows) {
      if (row.converged) expect(Number(row.finalMad)).toBeLessThan(1e-5);
    }
  });
});

describe('fig8 at a small size', () => {
  it('records finite MAD curves for every method on Lorenz-96 and a λ sweep', async () => {
    const context = testContext(['fig8']);
    const result = await runFig8(context, {
      dim: 5,
      forcing: 8,
      dt: 0.01,
      trajectories: 2,
      length: 60,
      burnIn: 500,
      maxIterations: 61,
      estimator: 'filter',
      lambda: { elk: 3.3e-3, quasiElk: 0.1 },
      sweep: [1e-3, 1e-1],
    });
    await expectOutputs(context, result, ['curves', 'runs', 'sweep']);
    const runs = result.tables.runs ?? [];
    expect(runs.map((row) => row.method)).toEqual([
      'Jacobi',
      'DEER',
      'quasi-DEER',
      'ELK (λ=0.0033)',
      'quasi-ELK (λ=0.1)',
    ]);
    for (const run of runs) {
      const curve = (result.tables.curves ?? []).filter((row) => row.method === run.method);
      expectFinite(curve.map((row) => row.mad));
      // T = 60 and 61 iterations: every method, Jacobi included, reaches the sequential trajectory.
      expect(Number(curve[curve.length - 1]?.mad)).toBeLessThan(1e-6);
    }
    expect(result.tables.sweep).toHaveLength(4);
  });
});
