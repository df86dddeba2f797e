/**
 * A small deterministic pseudo-random generator for reproducible weights, states and inputs.
 *
 * @module
 */

/**
 * A seeded stream of pseudo-random numbers; see {@link createRandom}.
 *
 * @example
 * ```ts
 * const random: Random = createRandom(1);
 * const inputs = random.fillNormal(new Float32Array(1024));
 * ```
 */
export interface Random {
  /** A uniform number in [0, 1) with 53 random bits. */
  uniform(): number;
  /** A standard normal N(0, 1) sample (Box–Muller). */
  normal(): number;
  /**
   * A standard normal sample conditioned on |x| ≤ `bound` (rejection; default 2, as in
   * `jax.random.truncated_normal(-2, 2)` used by flax's `lecun_normal`).
   */
  truncatedNormal(bound?: number): number;
  /** Fills `array` with N(mean, scale²) samples and returns it. */
  fillNormal<T extends Float32Array | Float64Array>(array: T, scale?: number, mean?: number): T;
  /** Fills `array` with U(low, high) samples and returns it. */
  fillUniform<T extends Float32Array | Float64Array>(array: T, low?: number, high?: number): T;
}

/**
 * The default bound of {@link Random.truncatedNormal}, in standard deviations.
 *
 * @example
 * ```ts
 * createRandom(0).truncatedNormal(TRUNCATED_NORMAL_BOUND); // in [-2, 2]
 * ```
 */
export const TRUNCATED_NORMAL_BOUND = 2;

function splitMix32(state: number): () => number {
  let value = state >>> 0;
  return () => {
    value = (value + 0x9e3779b9) >>> 0;
    let mixed = value;
    mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b);
    mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
    return (mixed ^ (mixed >>> 16)) >>> 0;
  };
}

/**
 * A seeded pseudo-random generator: xoshiro128** (Blackman & Vigna, 2018) seeded by SplitMix32, with
 * uniforms of 53 bits and normals by the Box–Muller transform. The same seed gives the same stream on
 * every platform.
 *
 * @param seed - any finite number; its integer part (mod 2^32) and, for large seeds, its high bits
 *   select the stream.
 * @example
 * ```ts
 * const random = createRandom(42);
 * const x = random.normal();
 * const noise = random.fillNormal(new Float64Array(16));
 * ```
 */
export function createRandom(seed: number): Random {
  const low = Math.trunc(seed) >>> 0;
  const high = Math.trunc(seed / 2 ** 32) >>> 0;
  const seeder = splitMix32(low ^ Math.imul(high, 0x27d4eb2d));
  let a = seeder();
  let b = seeder();
  let c = seeder();
  let d = seeder();
  if ((a | b | c | d) === 0) a = 1;
  const next = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  let spare: number | undefined;
  const uniform = (): number => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
  const normal = (): number => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    let u = uniform();
    while (u === 0) u = uniform();
    const v = uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    spare = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  };
  return {
    uniform,
    normal,
    truncatedNormal(bound = TRUNCATED_NORMAL_BOUND) {
      for (;;) {
        const value = normal();
        if (Math.abs(value) <= bound) return value;
      }
    },
    fillNormal(array, scale = 1, mean = 0) {
      for (let index = 0; index < array.length; index++) array[index] = mean + scale * normal();
      return array;
    },
    fillUniform(array, low = 0, high = 1) {
      for (let index = 0; index < array.length; index++) array[index] = low + (high - low) * uniform();
      return array;
    },
  };
}

function rotl(value: number, shift: number): number {
  return (value << shift) | (value >>> (32 - shift));
}
