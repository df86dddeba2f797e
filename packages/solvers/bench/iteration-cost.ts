/**
 * Per-iteration CPU cost of each method against one sequential pass (issue 5): a flax-initialised GRU,
 * B sequences, state size D, inputs of size D. For every (D, T): the median time of one sequential pass and
 * of one iteration (linearize + solve + update) of each method, their ratio, and the iteration count each
 * method needs (f64, the reference rule) to converge.
 *
 * Run: `pnpm --filter @elk/solvers bench:iterations` (defaults: B = 4, D ∈ {8, 16, 32, 64},
 * T ∈ {10 000, 100 000}, 3 repetitions; DEER up to D = 32, ELK up to D = 16). Options: `--batch 16
 * --dims 8,16 --lengths 10000 --repeats 5 --counts` (also measure iteration counts, at the smallest T)
 * `--json file`.
 *
 * @module
 */

import { writeFileSync } from 'node:fs';
import { createRandom, gru } from '@elk/cells';
import {
  createCpuBackend,
  evaluate,
  type KalmanStepOptions,
  type LinearizationMode,
  type Method,
  type Session,
} from '../src/index.ts';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[sorted.length >> 1] ?? Number.NaN;
}

const plans: Record<
  Exclude<Method, 'sequential'>,
  { mode: LinearizationMode; kalman?: KalmanStepOptions }
> = {
  jacobi: { mode: 'none' },
  'quasi-deer': { mode: 'diagonal' },
  'quasi-elk': { mode: 'diagonal', kalman: { mode: 'diagonal', estimator: 'smoother', lambda: 1e-2 } },
  deer: { mode: 'dense' },
  elk: { mode: 'dense', kalman: { mode: 'dense', estimator: 'smoother', lambda: 1e-6 } },
};

function iterate(session: Session, method: Exclude<Method, 'sequential'>, everyone: Uint8Array): void {
  const plan = plans[method];
  session.setActive(everyone); // no sequence stays frozen: every repetition does the full work
  session.linearize(plan.mode);
  if (plan.kalman === undefined) session.solveAffine(plan.mode);
  else session.solveKalman(plan.kalman);
  session.update({ tolerance: 0, criterion: 'step', reset: true });
}

async function main(): Promise<void> {
  const batch = Number(option('batch', '4'));
  const dims = option('dims', '8,16,32,64').split(',').map(Number);
  const lengths = option('lengths', '10000,100000').split(',').map(Number);
  const repeats = Number(option('repeats', '3'));
  const counts = process.argv.includes('--counts');
  const json = option('json', '');
  const rows: Record<string, number | string>[] = [];
  console.log(
    `GRU (flax init), B = ${batch}, f64, CPU; median of ${repeats}; ratio = one iteration / one sequential pass`,
  );
  console.log('D    T        sequential   method        per iteration  ratio   iterations');
  for (const D of dims) {
    for (const T of lengths) {
      const cell = gru({ hidden: D, input: D });
      const random = createRandom(1);
      const inputs = new Float64Array(batch * T * D);
      for (let i = 0; i < inputs.length; i++) inputs[i] = random.normal();
      const initialState = new Float64Array(batch * D);
      const backend = createCpuBackend();
      const session = await backend.createSession({ cell, batch, length: T, inputs, initialState });
      const time = (work: () => void): number => {
        work(); // warm-up (and first-use allocation)
        const samples: number[] = [];
        for (let r = 0; r < repeats; r++) {
          const start = performance.now();
          work();
          samples.push(performance.now() - start);
        }
        return median(samples);
      };
      const sequential = time(() => session.sequential());
      for (const method of Object.keys(plans) as Exclude<Method, 'sequential'>[]) {
        // Dense methods cost O(T D³): DEER up to D = 32, ELK (dense Kalman) up to D = 16.
        if ((method === 'deer' && D > 32) || (method === 'elk' && D > 16)) continue;
        const perIteration = time(() => iterate(session, method, new Uint8Array(batch).fill(1)));
        let iterations = '';
        if (counts && T === Math.min(...lengths)) {
          const result = await evaluate(cell, { inputs, initialState, method, maxIterations: 2000 });
          iterations = `${result.iterations}${result.converged ? '' : ' (not converged)'}`;
        }
        rows.push({
          D,
          T,
          batch,
          method,
          sequentialMs: sequential,
          iterationMs: perIteration,
          ratio: perIteration / sequential,
          iterations,
        });
        console.log(
          [
            String(D).padEnd(4),
            String(T).padEnd(8),
            `${sequential.toFixed(1)} ms`.padStart(11),
            `  ${method.padEnd(12)}`,
            `${perIteration.toFixed(1)} ms`.padStart(13),
            `${(perIteration / sequential).toFixed(2)}×`.padStart(7),
            `  ${iterations}`,
          ].join(' '),
        );
      }
      session.destroy();
    }
  }
  if (json !== '') writeFileSync(json, JSON.stringify(rows, null, 2));
}

await main();
