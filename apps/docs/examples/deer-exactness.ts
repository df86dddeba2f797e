import { gru } from '@elk/cells';
import { evaluate } from '@elk/solvers';

const [length, hidden] = [200, 6];
const cell = gru({ hidden, input: 3, seed: 2 });
const inputs = Float64Array.from(
  { length: length * 3 },
  (_, i) => Math.sin(0.1 * i) + 0.5 * Math.cos(0.73 * i),
);
const initialState = new Float64Array(hidden).fill(0.1);
const sequential = await evaluate(cell, { inputs, initialState, method: 'sequential' });

/** How many leading states of an iterate already equal the loop's (to 1e-12). */
function exactPrefix(states: Float64Array | Float32Array): number {
  for (let t = 0; t < length; t++) {
    for (let d = 0; d < hidden; d++) {
      const i = t * hidden + d;
      if (Math.abs((states[i] ?? 0) - (sequential.states[i] ?? 0)) > 1e-12) return t;
    }
  }
  return length;
}

// trace: true keeps every iterate (entry 0 is the initial guess); a function would keep a projection instead.
const deer = await evaluate(cell, { inputs, initialState, method: 'deer', trace: exactPrefix });
export const exactStates = deer.trace?.states ?? []; // exactStates[i] ≥ i: one more exact state per iteration
console.log(deer.iterations, exactStates); // a few iterations, then all 200 states exact
