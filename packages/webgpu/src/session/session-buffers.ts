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
  | 'scanPartials';

/** Owns a session's buffers: fixed ones passed in, lazy ones acquired on first use. */
export class SessionBuffers {
  readonly #context: GpuContext;
  readonly #fixed: GPUBuffer[] = [];
  readonly #lazy = new Map<LazyArray, GPUBuffer>();
  #generation = 0;

  constructor(context: GpuContext) {
    this.#context = context;
  }

  /** A buffer of `bytes` owned by the session. */
  acquire(bytes: number, label: string): GPUBuffer {
    const buffer = this.#context.pool.acquire(bytes, storageUsage, label);
    this.#fixed.push(buffer);
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

  /** Returns every buffer to the pool. */
  release(): void {
    for (const buffer of this.#fixed) this.#context.pool.release(buffer);
    for (const buffer of this.#lazy.values()) this.#context.pool.release(buffer);
    this.#fixed.length = 0;
    this.#lazy.clear();
  }
}
