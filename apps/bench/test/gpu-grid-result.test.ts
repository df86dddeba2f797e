import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { screenBandwidth } from '../src/figures/scan-throughput-gpu.ts';
import { readGpuGridRecords } from '../src/gpu/gpu-grid-report.ts';
import { describeRuns, runRow, withRatios } from '../src/gpu/gpu-grid-result.ts';
import { referenceFor } from '../src/gpu/reference-numbers.ts';

describe('gpu-grid ratios', () => {
  it('derives resident and with-transfer figures from the phases and the reference numbers', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(8, 16, 32),
        fc.constantFrom(30_000, 100_000, 300_000),
        fc.double({ min: 1e-4, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.integer({ min: 1, max: 500 }),
        fc.boolean(),
        (D, T, solve, transfers, iterations, measuredCudnn) => {
          const total = solve + transfers;
          const cudnn = measuredCudnn ? [{ D, T, B: 16, seconds: 0.05, implementation: 'cuDNN' }] : [];
          const row = withRatios(
            { D, T, method: 'quasi-deer', seconds: total, solveSeconds: solve, iterations },
            cudnn,
          );
          const reference = referenceFor(D, T);
          if (!reference) throw new Error('the grid has reference numbers here');
          const cudnnSeconds = measuredCudnn ? 0.05 : reference.cudnnSeconds;
          expect(row.cudnnSource).toBe(measuredCudnn ? 'this run' : 'H200 reference');
          expect(row.msPerIteration).toBeCloseTo((solve * 1000) / iterations, 9);
          expect(row.msPerIterationWithTransfers).toBeCloseTo((total * 1000) / iterations, 9);
          expect(row.speedupVsCudnn).toBeCloseTo(Number(cudnnSeconds) / solve, 9);
          expect(row.speedupVsCudnnWithTransfers).toBeCloseTo(Number(cudnnSeconds) / total, 9);
          expect(row.speedupVsJaxSequential).toBeCloseTo(Number(reference.jaxSequentialSeconds) / solve, 9);
          expect(row.speedupVsJaxQuasiDeerWithTransfers).toBeCloseTo(
            Number(reference.jaxQuasiDeerSeconds) / total,
            9,
          );
          expect(row.msPerIterationVsJaxQuasiDeer).toBeCloseTo(
            (solve * 1000) / iterations / Number(reference.jaxQuasiDeerMsPerIteration),
            9,
          );
          // Transfers only add time: the resident figure is never worse than the total's.
          expect(Number(row.speedupVsCudnn)).toBeGreaterThanOrEqual(Number(row.speedupVsCudnnWithTransfers));
        },
      ),
      { seed: 2026, numRuns: 200 },
    );
  });

  it('leaves resident figures empty for rows measured without phases, and skipped rows alone', () => {
    const old = withRatios({ D: 8, T: 30_000, method: 'quasi-deer', seconds: 0.06, iterations: 12 }, []);
    expect(old.msPerIteration).toBeNull();
    expect(old.speedupVsCudnn).toBeNull();
    expect(Number(old.msPerIterationWithTransfers)).toBeCloseTo(5, 9);
    const skipped = { D: 16, T: 1_000_000, method: 'deer', skipped: 'too large' };
    expect(withRatios(skipped, [])).toEqual(skipped);
  });
});

describe('bandwidth screening', () => {
  it('rejects figures the kernel cannot have produced and measures scans against an accepted copy', () => {
    const base = { device: 'webgpu', requestedElements: 1e8, seconds: 1e-3 };
    const { accepted, rejected, notes } = screenBandwidth([
      { ...base, kernel: 'copy (backend)', elements: 1e8, bytesPerSecond: 4e12 },
      { ...base, kernel: 'copy (bench kernel, host-timed)', elements: 1e8, bytesPerSecond: 3e12 },
      { ...base, kernel: 'diagonal scan', elements: 1e8, bytesPerSecond: 2e12, fractionOfCopy: 0.5 },
      { ...base, kernel: 'copy (backend)', requestedElements: 5e8, elements: 5e8, bytesPerSecond: 4.6e13 },
      { ...base, kernel: 'copy (bench kernel, host-timed)', requestedElements: 5e8, bytesPerSecond: 3.5e12 },
      { ...base, kernel: 'diagonal scan', requestedElements: 5e8, elements: 5e8, bytesPerSecond: 2.1e12 },
      { ...base, kernel: 'diagonal scan (reverse)', requestedElements: 5e8, seconds: 0, bytesPerSecond: 1 },
    ]);
    expect(rejected.map((row) => [row.kernel, row.requestedElements])).toEqual([
      ['copy (backend)', 5e8],
      ['diagonal scan (reverse)', 5e8],
    ]);
    expect(accepted.every((row) => !row.suspect)).toBe(true);
    const scans = accepted.filter((row) => row.kernel === 'diagonal scan');
    expect(scans.map((row) => row.fractionOfCopy)).toEqual([0.5, 2.1 / 3.5]);
    expect(scans.map((row) => row.copyKernel)).toEqual(['copy (backend)', 'copy (bench kernel, host-timed)']);
    expect(notes).toHaveLength(1);
    expect(notes[0]).not.toMatch(/GB\/s|TB\/s/);
  });
});

describe('gpu-grid report records', () => {
  it('merges partial files and cuDNN lines, keeping the best record of each case', () => {
    const directory = mkdtempSync(join(tmpdir(), 'elk-grid-records-'));
    const first = join(directory, 'first.jsonl');
    const second = join(directory, 'second.jsonl');
    const cudnn = join(directory, 'cudnn.jsonl');
    const line = (record: object) => JSON.stringify(record);
    writeFileSync(
      first,
      [
        line({
          kind: 'run',
          adapter: 'gpu',
          machine: { cpuModel: 'CPU X', cpuCount: 16, node: 'v20', totalMemoryBytes: 2 ** 30 },
          versions: { commit: 'abc123' },
          commandLine: ['node', 'bench.mjs'],
        }),
        line({ kind: 'case-start', D: 64, T: 1e6, method: 'quasi-deer', atSeconds: 1 }),
        line({
          kind: 'grid',
          D: 64,
          T: 1e6,
          method: 'quasi-deer',
          seconds: 9,
          solveSeconds: 5,
          iterations: 12,
        }),
        line({ kind: 'case-start', D: 64, T: 1e6, method: 'quasi-elk', atSeconds: 12 }),
        line({ kind: 'grid', D: 8, T: 3e4, method: 'quasi-deer', failed: 'out of memory' }),
        '{"kind":"grid","D":8,"T":3', // cut off when the run was stopped
      ].join('\n'),
    );
    writeFileSync(
      second,
      [
        line({ kind: 'grid', D: 64, T: 1e6, method: 'quasi-deer', skipped: 'not asked' }),
        line({ kind: 'grid', D: 8, T: 3e4, method: 'quasi-deer', seconds: 0.05, iterations: 12 }),
        line({ kind: 'cudnn', D: 8, T: 3e4, B: 16, seconds: 0.03, implementation: 'cuDNN' }),
      ].join('\n'),
    );
    writeFileSync(cudnn, `loading torch\n${line({ D: 8, T: 3e4, B: 16, median_s: 0.02, impl: 'cuDNN' })}\n`);
    const records = readGpuGridRecords([first, second, cudnn]);
    expect(records.grid.map((row) => [row.D, row.seconds])).toEqual([
      [8, 0.05],
      [64, 9],
    ]);
    expect(records.cudnn.map((entry) => entry.seconds)).toEqual([0.02]);
    expect(records.cutOff).toEqual([`D=64 T=1000000 quasi-elk (begun at 12 s, ${first})`]);
    const runs = records.runs.map(runRow);
    expect(runs[0]).toMatchObject({ cpuModel: 'CPU X', cpuCount: 16, node: 'v20', commit: 'abc123' });
    expect(describeRuns(runs)[0]).toContain('CPU X × 16 cores');
  });
});
