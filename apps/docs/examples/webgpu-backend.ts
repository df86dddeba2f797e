import { gru } from '@elk/cells';
import { evaluate } from '@elk/solvers';
import { createWebGpuBackend } from '@elk/webgpu';

const [batch, length, hidden] = [4, 4096, 8];
export const cell = gru({ hidden, input: 2, seed: 0 });
export const inputs = Float32Array.from({ length: batch * length * 2 }, (_, i) => Math.sin(i / 13));
export const initialState = new Float32Array(batch * hidden);

const backend = await createWebGpuBackend(); // navigator.gpu in a browser; dawn.node in Node
export const adapter = backend.capabilities.adapter;
export const result = await evaluate(cell, {
  inputs,
  initialState,
  batch,
  method: 'quasi-deer',
  backend,
}).finally(
  () => backend.destroy(), // frees the GPU buffers the backend pooled
);
console.log(adapter, result.iterations, result.converged); // the states match the CPU's to f32 rounding
