/**
 * WGSL pieces shared by the cells' twins, and the cache key of a twin's code.
 *
 * @module
 */

/**
 * Numerically safe activations in WGSL (some drivers compute `tanh` through `exp` and overflow to NaN
 * for large arguments, so it is written here from e^{-2|x|} ≤ 1).
 *
 * @example
 * ```ts
 * const code = `${WGSL_ACTIVATIONS}\nfn cell_step(…) { … cell_tanh(x) … }`;
 * ```
 */
export const WGSL_ACTIVATIONS = /* wgsl */ `
// n, opaque to the shader compiler: loops bounded by it are not unrolled (full unrolling of nested
// size-D loops makes pipeline compilation on some drivers, e.g. lavapipe, take tens of seconds).
fn cell_bound(n: u32) -> u32 {
  return select(n, 0u, arrayLength(&cell_params) == 0xffffffffu);
}
fn cell_sigmoid(x: f32) -> f32 {
  let e = exp(-abs(x));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}

fn cell_tanh(x: f32) -> f32 {
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) / (1.0 + e);
}

fn cell_softplus(x: f32) -> f32 {
  return max(x, 0.0) + log(1.0 + exp(-abs(x)));
}
`;

/**
 * A WGSL `u32` literal.
 *
 * @example
 * ```ts
 * u32(8); // '8u'
 * ```
 */
export function u32(value: number): string {
  return `${value}u`;
}

/**
 * A stable cache key of a twin's WGSL: the cell's name and a 32-bit FNV-1a hash of the code.
 *
 * @example
 * ```ts
 * wgslKey('gru', code); // 'gru-1a2b3c4d'
 * ```
 */
export function wgslKey(name: string, code: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < code.length; index++) {
    hash = Math.imul(hash ^ code.charCodeAt(index), 0x01000193) >>> 0;
  }
  return `${name}-${hash.toString(16).padStart(8, '0')}`;
}
