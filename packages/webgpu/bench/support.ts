/**
 * What the package's bench scripts share: their seeded normal inputs and command-line options.
 *
 * @module
 */

import { gru } from '@elk/cells';
import type { WebGpuBackend } from '../src/index.ts';

/** `count` standard normal values from a seeded generator (Box–Muller over a 32-bit mix). */
export function normals(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++)
    out[i] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return out;
}

/** The value after `--name` on the command line, or `fallback`. */
export function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

/** `--name a,b,…` as a list (empty entries dropped). */
export function listArgument(name: string, fallback: string): string[] {
  return argument(name, fallback)
    .split(',')
    .filter((entry) => entry !== '');
}

/** `--name D:T,…` as [D, T] pairs. */
export function gridArgument(name: string, fallback: string): [number, number][] {
  return listArgument(name, fallback).map((pair) => pair.split(':').map(Number) as [number, number]);
}

/** A resident session of a flax GRU (I = D) over B sequences of T normal inputs, from a zero initial state. */
export function gruSession(backend: WebGpuBackend, batch: number, D: number, T: number) {
  return backend.createSession({
    cell: gru({ hidden: D, input: D, seed: 0 }),
    batch,
    length: T,
    inputs: normals(batch * T * D, 1),
    initialState: new Float32Array(batch * D),
  });
}
