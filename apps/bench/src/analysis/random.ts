/**
 * A seeded pseudo-random generator (Mulberry32) with uniform and
 * standard normal draws (Box–Muller). Deterministic for a given seed, so every figure is reproducible.
 *
 * @example
 * ```ts
 * const random = createRandom(42);
 * random.normal(); // a N(0, 1) draw
 * ```
 */
export interface Random {
  /** Uniform on [0, 1). */
  uniform(): number;
  /** Standard normal N(0, 1). */
  normal(): number;
  /** Fills `out` with N(0, scale²) draws and returns it. */
  fillNormal<T extends Float32Array | Float64Array>(out: T, scale?: number): T;
}

/** Creates a {@link Random} from a non-negative integer seed (Mulberry32 + Box–Muller). */
export function createRandom(seed: number): Random {
  let state = (seed >>> 0) ^ 0x9e3779b9;
  let spare: number | undefined;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    let u = uniform();
    while (u <= Number.MIN_VALUE) u = uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
  return {
    uniform,
    normal,
    fillNormal(out, scale = 1) {
      for (let i = 0; i < out.length; i++) out[i] = scale * normal();
      return out;
    },
  };
}
