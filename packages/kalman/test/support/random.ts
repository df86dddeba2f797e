import { seededUniform } from '@elk/testing';

/** Random numbers for test data. */
export interface Random {
  uniform(low: number, high: number): number;
  normal(): number;
}

/** A {@link Random} from a seed (Box–Muller normals). */
export function createRandom(seed: number): Random {
  const next = seededUniform(seed);
  return {
    uniform: (low, high) => low + (high - low) * next(),
    normal: () => {
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}
