import { gru } from '@elk/cells';
import { evaluate } from '@elk/solvers';

const [batch, length, hidden, inputSize] = [2, 10_000, 16, 4];
export const cell = gru({ hidden, input: inputSize, seed: 0 }); // flax initialisation, seeded
export const inputs = Float32Array.from({ length: batch * length * inputSize }, (_, i) => Math.sin(i / 7));
export const initialState = new Float32Array(batch * hidden); // [batch, hidden], zeros

export const result = await evaluate(cell, { inputs, initialState, batch, method: 'quasi-deer' });
console.log(result.iterations, result.converged); // states: result.states, [batch, length, hidden]
