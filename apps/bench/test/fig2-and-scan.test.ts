import { describe, expect, it } from 'vitest';
import { runFig2 } from '../src/figures/fig2.ts';
import { runScanFigure } from '../src/figures/scan-throughput.ts';
import { expectFinite, expectOutputs } from './support/expect-outputs.ts';
import { testContext } from './support/test-context.ts';

describe('fig2 at tiny sizes', () => {
  it('measures every method under both stopping rules and writes JSON, CSV, SVG and PNG', async () => {
    const context = testContext(['fig2', '--seed', '3']);
    const result = await runFig2(context, {
      batch: 2,
      dims: [2, 3],
      lengths: [40, 80],
      methods: ['sequential', 'quasi-deer', 'quasi-elk', 'deer', 'elk'],
      maxIterations: 100,
      denseElementLimit: 2 * 80 * 9,
      elkElementLimit: 2 * 40 * 9,
      lambda: { elk: 1e-6, quasiElk: 1e-2 },
      repeats: 1,
    });
    const json = await expectOutputs(context, result, ['cases']);
    const rows = result.tables.cases ?? [];
    // 4 problems × (1 sequential + 3 methods × 2 rules) + ELK where T·B·D² ≤ 720 (3 problems) × 2 rules
    expect(rows).toHaveLength(4 * 7 + 3 * 2);
    expect(new Set(rows.map((row) => row.stopping))).toEqual(
      new Set(['none', 'reference', 'precision-aware']),
    );
    expectFinite(rows.map((row) => row.seconds));
    expectFinite(rows.map((row) => row.maxAbsDiffFromSequential));
    expectFinite(rows.map((row) => row.maxAbsErrorVsF64));
    for (const row of rows) {
      expect(row.converged).toBe(true);
      // f32 evaluations of a small GRU agree with the f64 sequential answer to f32 accuracy
      expect(Number(row.maxAbsErrorVsF64)).toBeLessThan(1e-3);
      if (row.method !== 'sequential') expect(Number(row.iterations)).toBeGreaterThan(0);
    }
    expect((json.parameters as { stoppingRules: string[] }).stoppingRules).toEqual([
      'reference',
      'precision-aware',
    ]);
  });

  it('runs one stopping rule with --stopping', async () => {
    const context = testContext(['fig2', '--stopping', 'reference']);
    const result = await runFig2(context, {
      batch: 1,
      dims: [2],
      lengths: [30],
      methods: ['sequential', 'quasi-deer'],
      maxIterations: 50,
      denseElementLimit: 0,
      elkElementLimit: 0,
      lambda: { elk: 1e-6, quasiElk: 1e-2 },
      repeats: 1,
    });
    expect((result.tables.cases ?? []).map((row) => row.stopping)).toEqual(['none', 'reference']);
  });
});

describe('scan at tiny sizes', () => {
  it('measures every @elk/scan kernel and the copy baseline', async () => {
    const context = testContext(['scan']);
    const result = await runScanFigure(context, {
      lengths: [2_000],
      dims: [1, 2],
      denseDims: [2],
      repeats: 1,
    });
    await expectOutputs(context, result, ['throughput']);
    const rows = result.tables.throughput ?? [];
    const kernels = new Set(rows.map((row) => row.kernel));
    for (const kernel of [
      'copy',
      'sequential loop',
      'scanAffineDiagonal',
      'scanAffineDiagonal (reverse)',
      'scanAffineDense',
    ]) {
      expect(kernels).toContain(kernel);
    }
    expectFinite(rows.map((row) => row.bytesPerSecond));
  });
});
