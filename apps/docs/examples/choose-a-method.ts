import { gru } from '@elk/cells';
import { evaluate, type Method } from '@elk/solvers';

const cell = gru({ hidden: 4, input: 2, seed: 1 });
const inputs = Float64Array.from({ length: 1000 * 2 }, (_, i) => Math.cos(0.37 * i)); // [1, 1000, 2]
const initialState = new Float64Array(4);
const sequential = await evaluate(cell, { inputs, initialState, method: 'sequential' });

const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>): number =>
  Array.from(a).reduce((largest, value, i) => Math.max(largest, Math.abs(value - (b[i] ?? Number.NaN))), 0);

const methods: Method[] = ['jacobi', 'deer', 'quasi-deer', 'elk', 'quasi-elk'];
export const comparison: { method: Method; iterations: number; converged: boolean; error: number }[] = [];
for (const method of methods) {
  const { states, iterations, converged } = await evaluate(cell, { inputs, initialState, method });
  comparison.push({ method, iterations, converged, error: maxDifference(states, sequential.states) });
}
console.table(comparison); // f64: every method ends within ~1e-7 of the loop; DEER in the fewest iterations
