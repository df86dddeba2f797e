/** A seeded uniform generator on [0, 1) (mulberry32): fresh data per fast-check case from its seed. */
export function uniformGenerator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random numbers for test data. */
export interface Random {
  uniform(low: number, high: number): number;
  normal(): number;
}

/** A {@link Random} from a seed (Box–Muller normals). */
export function createRandom(seed: number): Random {
  const next = uniformGenerator(seed);
  return {
    uniform: (low, high) => low + (high - low) * next(),
    normal: () => {
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}
