import { scanAffineDiagonal } from '@elk/scan';

// Exponential moving averages of 3 channels with different decays: x_t = a ⊙ x_{t-1} + (1 - a) ⊙ u_t.
const [length, dim] = [1000, 3];
const decay = [0.5, 0.9, 0.99];
const signal = Float64Array.from({ length: length * dim }, (_, i) => Math.sin(i / 20) + (i % 7) / 7);
const a = Float64Array.from({ length: length * dim }, (_, i) => decay[i % dim] ?? 0);
const b = signal.map((u, i) => (1 - (decay[i % dim] ?? 0)) * u);
export const averages = scanAffineDiagonal({ a, b, batch: 1, length, dim }); // [1, length, dim]

// Discounted returns G_t = r_t + γ G_{t+1}: the same recurrence run backwards.
const rewards = Float64Array.from({ length: 100 }, (_, t) => (t % 10 === 9 ? 1 : 0));
const gamma = new Float64Array(100).fill(0.95);
export const returns = scanAffineDiagonal({
  a: gamma,
  b: rewards,
  batch: 1,
  length: 100,
  dim: 1,
  reverse: true,
});
console.log(averages.slice(-3), returns[0]);
