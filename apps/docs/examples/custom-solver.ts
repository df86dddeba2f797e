import { gru } from '@elk/cells';
import { type Backend, createCpuBackend, evaluate, type SolverProblem } from '@elk/solvers';

/** Damped Newton: s ← s + α (c − s), with c DEER's full step; stops when max |c − s| ≤ tolerance. */
export async function dampedNewton(
  backend: Backend,
  problem: SolverProblem,
  damping = 0.5,
  maxIterations = 200,
) {
  const session = await backend.createSession(problem);
  try {
    const checkEvery = 8; // the primitives are only enqueued: read the status now and then, not every time
    let status = await session.readStatus();
    for (let i = 1; i <= maxIterations && status.active.includes(1); i++) {
      session.linearize('dense');
      session.solveAffine('dense');
      session.update({ tolerance: 1e-9, criterion: 'step', reset: true, damping });
      if (i % checkEvery === 0 || i === maxIterations) status = await session.readStatus();
    }
    const converged = status.toleranceMet.every((met) => met === 1);
    return { states: await session.readStates(), iterations: Math.max(...status.iterations), converged };
  } finally {
    session.destroy();
  }
}

const cell = gru({ hidden: 8, input: 2, seed: 3 });
const length = 500;
const inputs = Float64Array.from({ length: length * 2 }, (_, i) => Math.sin(0.05 * i));
const initialState = new Float64Array(8);
const backend = createCpuBackend(); // or: await createWebGpuBackend() from @elk/webgpu
export const damped = await dampedNewton(backend, { cell, batch: 1, length, inputs, initialState });
export const sequential = await evaluate(cell, { inputs, initialState, method: 'sequential' });
backend.destroy();
console.log(damped.iterations, damped.converged); // about 30: the error halves with each damped step
