import { scanAffineDense } from '@elk/scan';

// x_t = R(θ) x_{t-1} + b_t: a point rotating by θ per step, nudged along x every step.
const [length, dim, theta] = [500, 2, Math.PI / 50];
const rotation = [Math.cos(theta), -Math.sin(theta), Math.sin(theta), Math.cos(theta)]; // row-major 2×2
const a = Float64Array.from({ length: length * dim * dim }, (_, i) => rotation[i % 4] ?? 0);
const b = Float64Array.from({ length: length * dim }, (_, i) => (i % dim === 0 ? 0.01 : 0));
const x0 = new Float64Array([1, 0]);
export const path = scanAffineDense({ a, b, x0, batch: 1, length, dim }); // [1, length, 2]
console.log(path.slice(2 * 99, 2 * 100)); // after 100 steps: one full turn, back near (1, 0) plus the nudges
