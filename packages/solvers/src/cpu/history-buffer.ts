import type { IterationHistory } from '../backend.ts';
import type { SequenceHistory } from '../stopping/floor-rule.ts';

/** A per-sequence ring buffer of the last `capacity` iterations' step, merit, magnitude and flags. */
export class HistoryBuffer {
  readonly capacity: number;
  private readonly recorded: Float64Array;
  private readonly step: Float64Array;
  private readonly merit: Float64Array;
  private readonly magnitude: Float64Array;
  private readonly flags: Uint8Array;

  constructor(batch: number, capacity: number) {
    this.capacity = capacity;
    this.recorded = new Float64Array(batch);
    this.step = new Float64Array(batch * capacity);
    this.merit = new Float64Array(batch * capacity);
    this.magnitude = new Float64Array(batch * capacity);
    this.flags = new Uint8Array(batch * capacity);
  }

  /** Appends one entry to sequence `sequence`, overwriting the oldest when full. */
  record(sequence: number, step: number, merit: number, magnitude: number, flags: number): void {
    const count = this.recorded[sequence] as number;
    const slot = sequence * this.capacity + (count % this.capacity);
    this.step[slot] = step;
    this.merit[slot] = merit;
    this.magnitude[slot] = magnitude;
    this.flags[slot] = flags;
    this.recorded[sequence] = count + 1;
  }

  /** Sequence `sequence`'s entries, oldest first (a copy). */
  sequence(sequence: number): SequenceHistory {
    const H = this.capacity;
    const total = this.recorded[sequence] as number;
    const n = Math.min(total, H);
    const step = new Float64Array(n);
    const merit = new Float64Array(n);
    const magnitude = new Float64Array(n);
    const flags = new Uint8Array(n);
    for (let j = 0; j < n; j++) {
      const source = sequence * H + ((total - n + j) % H);
      step[j] = this.step[source] as number;
      merit[j] = this.merit[source] as number;
      magnitude[j] = this.magnitude[source] as number;
      flags[j] = this.flags[source] as number;
    }
    return { step, merit, magnitude, flags };
  }

  /** A copy, each sequence's entries oldest first. */
  snapshot(): IterationHistory {
    const batch = this.recorded.length;
    const H = this.capacity;
    const count = new Uint32Array(batch);
    const step = new Float64Array(batch * H);
    const merit = new Float64Array(batch * H);
    const magnitude = new Float64Array(batch * H);
    const flags = new Uint8Array(batch * H);
    for (let b = 0; b < batch; b++) {
      const total = this.recorded[b] as number;
      const n = Math.min(total, H);
      count[b] = n;
      for (let j = 0; j < n; j++) {
        const source = b * H + ((total - n + j) % H);
        const target = b * H + j;
        step[target] = this.step[source] as number;
        merit[target] = this.merit[source] as number;
        magnitude[target] = this.magnitude[source] as number;
        flags[target] = this.flags[source] as number;
      }
    }
    return { capacity: H, count, step, merit, magnitude, flags };
  }
}
