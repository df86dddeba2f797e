/**
 * Every code example of the site (`examples/*.ts`, included by the pages) runs here, and its results are
 * checked against an independent computation: the sequential loop, a plain for loop, or the CPU backend.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { evaluate } from '@elk/solvers';
import { describeWebGpu } from '@elk/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { contentDirectory, docsRoot } from '../src/build/paths.ts';
import { maxAbsDifference } from '../src/demo/run-demo.ts';

const examplesDirectory = join(docsRoot, 'examples');

// The examples print what a reader would look at; keep the test log quiet but make sure they do print.
let log: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  vi.spyOn(console, 'table').mockImplementation(() => undefined);
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('the examples', () => {
  it('are each included by a page, and every included example exists', async () => {
    const examples = (await readdir(examplesDirectory)).filter((file) => file.endsWith('.ts')).sort();
    const included = new Set<string>();
    const walk = async (directory: string): Promise<void> => {
      for (const entry of await readdir(directory, { withFileTypes: true })) {
        const path = join(directory, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.name.endsWith('.md')) {
          const text = await readFile(path, 'utf8');
          for (const match of text.matchAll(/^<<< @\/\.\.\/examples\/([\w-]+\.ts)/gm))
            if (match[1]) included.add(match[1]);
        }
      }
    };
    await walk(contentDirectory);
    expect([...included].sort()).toEqual(examples);
  });

  it('gru-in-ten-lines: quasi-DEER on a batch of GRUs matches the sequential loop', async () => {
    const example = await import('../examples/gru-in-ten-lines.ts');
    const { result, cell, inputs, initialState } = example;
    expect(result.converged).toBe(true);
    expect(result.states).toHaveLength(2 * 10_000 * 16);
    const sequential = await evaluate(cell, {
      inputs: Float64Array.from(inputs),
      initialState: Float64Array.from(initialState),
      batch: 2,
      method: 'sequential',
    });
    expect(maxAbsDifference(result.states, sequential.states)).toBeLessThan(1e-3);
    expect(log).toHaveBeenCalledWith(result.iterations, true);
  });

  it('choose-a-method: every method converges to the loop in f64, DEER in the fewest iterations', async () => {
    const { comparison } = await import('../examples/choose-a-method.ts');
    expect(comparison.map((row) => row.method)).toEqual(['jacobi', 'deer', 'quasi-deer', 'elk', 'quasi-elk']);
    for (const row of comparison) {
      expect(row.converged, row.method).toBe(true);
      expect(row.error, row.method).toBeLessThan(1e-5);
    }
    const deer = comparison.find((row) => row.method === 'deer');
    for (const row of comparison) expect(deer?.iterations).toBeLessThanOrEqual(row.iterations);
  });

  it('deer-exactness: after i DEER iterations at least the first i states are exact', async () => {
    const { exactStates } = await import('../examples/deer-exactness.ts');
    expect(exactStates.length).toBeGreaterThan(2);
    for (const [iteration, exact] of exactStates.entries()) {
      expect(exact).toBeGreaterThanOrEqual(Math.min(iteration, 200));
    }
    expect(exactStates.at(-1)).toBe(200);
  });

  it('scan-moving-average: the moving averages and discounted returns equal plain loops', async () => {
    const { averages, returns } = await import('../examples/scan-moving-average.ts');
    const decay = [0.5, 0.9, 0.99];
    const state = [0, 0, 0];
    const expected: number[] = [];
    for (let t = 0; t < 1000; t++) {
      for (let d = 0; d < 3; d++) {
        const i = t * 3 + d;
        const u = Math.sin(i / 20) + (i % 7) / 7;
        const a = decay[d] ?? 0;
        state[d] = a * (state[d] ?? 0) + (1 - a) * u;
        expected.push(state[d] ?? 0);
      }
    }
    expect(maxAbsDifference(averages, expected)).toBeLessThan(1e-12);
    let total = 0;
    const discounted = new Array<number>(100);
    for (let t = 99; t >= 0; t--) {
      total = (t % 10 === 9 ? 1 : 0) + 0.95 * total;
      discounted[t] = total;
    }
    expect(maxAbsDifference(returns, discounted)).toBeLessThan(1e-12);
  });

  it('scan-rotation: the dense scan equals rotating step by step', async () => {
    const { path } = await import('../examples/scan-rotation.ts');
    const theta = Math.PI / 50;
    let [x, y] = [1, 0];
    const expected: number[] = [];
    for (let t = 0; t < 500; t++) {
      [x, y] = [Math.cos(theta) * x - Math.sin(theta) * y + 0.01, Math.sin(theta) * x + Math.cos(theta) * y];
      expected.push(x, y);
    }
    expect(maxAbsDifference(path, expected)).toBeLessThan(1e-12);
  });

  it('scan-running-max: the scan equals a running maximum with its first position', async () => {
    const { runningPeak } = await import('../examples/scan-running-max.ts');
    let best = { value: Number.NEGATIVE_INFINITY, index: -1 };
    for (let i = 0; i < 5000; i++) {
      const value = Math.sin(i / 100) * (1 + i / 5000);
      if (value > best.value) best = { value, index: i };
      expect(runningPeak[i]).toEqual(best);
    }
  });

  it('custom-cell: DEER on the defineCell pendulum reproduces the loop', async () => {
    const { deer, sequential, pendulum } = await import('../examples/custom-cell.ts');
    expect(deer.converged).toBe(true);
    expect(maxAbsDifference(deer.states, sequential.states)).toBeLessThan(1e-6);
    // The loop itself, written out: semi-implicit Euler of the damped, driven pendulum.
    let [theta, omega] = [1, 0];
    for (let t = 0; t < 2000; t++) {
      omega += 0.01 * (2 * Math.sin(t * 0.01 * 1.5) - 9.81 * Math.sin(theta) - 0.5 * omega);
      theta += 0.01 * omega;
    }
    expect(maxAbsDifference(sequential.states.subarray(-2), [theta, omega])).toBeLessThan(1e-9);
    expect(pendulum.stateSize).toBe(2);
  });

  it('custom-solver: the damped Newton built from Session primitives converges to the loop', async () => {
    const { damped, sequential } = await import('../examples/custom-solver.ts');
    expect(damped.converged).toBe(true);
    expect(maxAbsDifference(damped.states, sequential.states)).toBeLessThan(1e-7);
    // A half step halves the error: it needs clearly more than DEER's handful of iterations, but not T.
    expect(damped.iterations).toBeGreaterThan(10);
    expect(damped.iterations).toBeLessThan(200);
  });

  it('safetensors-weights: flax and PyTorch files load into the same GRU', async () => {
    const { fromFlax, fromTorch, original } = await import('../examples/safetensors-weights.ts');
    const states = Float64Array.from({ length: 4 * 8 }, (_, i) => Math.sin(i));
    const inputs = Float64Array.from({ length: 4 * 3 }, (_, i) => Math.cos(i));
    const expected = original.step(states, inputs, 4);
    expect(maxAbsDifference(fromFlax.step(states, inputs, 4), expected)).toBeLessThan(1e-6);
    expect(maxAbsDifference(fromTorch.step(states, inputs, 4), expected)).toBeLessThan(1e-6);
  });

  it('elk-lorenz96: quasi-ELK keeps every iterate closer to the answer than quasi-DEER, and both converge', async () => {
    const { quasiDeer, quasiElk, worstIterate } = await import('../examples/elk-lorenz96.ts');
    expect(quasiDeer.converged).toBe(true);
    expect(quasiElk.converged).toBe(true);
    const finalError = (trace: number[] | undefined) => trace?.at(-1) ?? Number.POSITIVE_INFINITY;
    expect(finalError(quasiDeer.trace?.states)).toBeLessThan(1e-5);
    expect(finalError(quasiElk.trace?.states)).toBeLessThan(1e-5);
    expect(worstIterate.quasiElk).toBeLessThan(worstIterate.quasiDeer);
  });
});

describeWebGpu('the WebGPU example', () => {
  it('webgpu-backend: quasi-DEER on WebGPU matches the CPU backend on the same batch', async () => {
    const { result, cell, inputs, initialState, adapter } = await import('../examples/webgpu-backend.ts');
    expect(adapter.length).toBeGreaterThan(0);
    expect(result.converged).toBe(true);
    const cpu = await evaluate(cell, { inputs, initialState, batch: 4, method: 'quasi-deer' });
    const sequential = await evaluate(cell, {
      inputs: Float64Array.from(inputs),
      initialState: Float64Array.from(initialState),
      batch: 4,
      method: 'sequential',
    });
    const tolerance = Math.max(4 * maxAbsDifference(cpu.states, sequential.states), 1e-4);
    expect(maxAbsDifference(result.states, cpu.states)).toBeLessThan(tolerance);
    expect(maxAbsDifference(result.states, sequential.states)).toBeLessThan(tolerance);
  });
});
