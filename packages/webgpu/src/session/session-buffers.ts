/**
 * The resident arrays of one session, acquired from the backend's pool (lazily for the arrays only some
 * methods need) and released together.
 *
 * @module
 */

import { storageUsage } from '../gpu-constants.ts';
import type { GpuContext } from '../gpu-context.ts';

/** Names of the session's lazily allocated arrays. */
export type LazyArray =
  | 'offset'
  | 'projections'
  | 'diagonal'
  | 'dense'
  | 'gain'
  | 'correction'
  | 'aggregates'
  | 'prefixes'
  | 'kalmanAggregates'
  | 'kalmanPrefixes'
  | 'denseAggregates'
  | 'denseCarries'
  | 'denseGain'
  | 'gemmWeights'
  | 'scanPartials'
  | 'updatePartials'
  | 'iterationState'
  | 'iterationPartials';

/**
 * Owns a session's buffers: fixed ones acquired by name when the session is created, lazy ones on first use.
 * A destroyed session's buffers can pass whole to the next session of the same shape (see `gpu-session.ts`),
 * which then finds each of its arrays where the last one left it.
 */
export class SessionBuffers {
  readonly #context: GpuContext;
  readonly #fixed = new Map<string, GPUBuffer>();
  readonly #lazy = new Map<LazyArray, GPUBuffer>();
  #generation = 0;

  constructor(context: GpuContext) {
    this.#context = context;
  }

  /** The fixed array `label` of at least `bytes` bytes (the one held already, if it is large enough). */
  acquire(bytes: number, label: string): GPUBuffer {
    const existing = this.#fixed.get(label);
    if (existing && existing.size >= bytes) return existing;
    if (existing) this.#context.pool.release(existing);
    const buffer = this.#context.pool.acquire(bytes, storageUsage, label);
    this.#fixed.set(label, buffer);
    return buffer;
  }

  /** The lazily allocated array `name` of at least `bytes` (re-acquired when a larger one is needed). */
  lazy(name: LazyArray, bytes: number): GPUBuffer {
    const existing = this.#lazy.get(name);
    if (existing && existing.size >= bytes) return existing;
    if (existing) this.#context.pool.release(existing);
    const buffer = this.#context.pool.acquire(bytes, storageUsage, name);
    this.#lazy.set(name, buffer);
    this.#generation++;
    return buffer;
  }

  /** Counts the lazy arrays acquired so far: unchanged while every array stays where it is. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Returns every buffer to the pool, last acquired first: the pool hands back the most recently released
   * buffer of a size first, so a next session of the same shape gets every array in the same role.
   */
  release(): void {
    for (const buffer of [...this.#lazy.values()].reverse()) this.#context.pool.release(buffer);
    for (const buffer of [...this.#fixed.values()].reverse()) this.#context.pool.release(buffer);
    this.#fixed.clear();
    this.#lazy.clear();
  }
}
