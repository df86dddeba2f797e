/**
 * Decoding the session's status words (see session-layout.ts) into `@elk/solvers`' SessionStatus.
 *
 * @module
 */

import type { SessionStatus } from '@elk/solvers';
import { historyEntryWords, SequenceStateField, sequenceStateWords } from './session-layout.ts';

/** The status of `batch` sequences from their state records and history rings (oldest entry first). */
export function statusFromWords(
  iteration: number,
  batch: number,
  capacity: number,
  status: Uint32Array,
  history: Uint32Array,
): SessionStatus {
  const statusFloats = new Float32Array(status.buffer, status.byteOffset, status.length);
  const historyFloats = new Float32Array(history.buffer, history.byteOffset, history.length);
  const active = new Uint8Array(batch);
  const toleranceMet = new Uint8Array(batch);
  const floorMet = new Uint8Array(batch);
  const iterations = new Uint32Array(batch);
  const lambda = new Float64Array(batch);
  const count = new Uint32Array(batch);
  const step = new Float64Array(batch * capacity);
  const merit = new Float64Array(batch * capacity);
  const magnitude = new Float64Array(batch * capacity);
  const flags = new Uint8Array(batch * capacity);
  for (let b = 0; b < batch; b++) {
    const base = b * sequenceStateWords;
    active[b] = status[base + SequenceStateField.active] === 0 ? 0 : 1;
    toleranceMet[b] = status[base + SequenceStateField.toleranceMet] === 0 ? 0 : 1;
    floorMet[b] = status[base + SequenceStateField.floorMet] === 0 ? 0 : 1;
    iterations[b] = status[base + SequenceStateField.iterations] ?? 0;
    lambda[b] = statusFloats[base + SequenceStateField.lambda] ?? 0;
    const recorded = status[base + SequenceStateField.recorded] ?? 0;
    const n = Math.min(recorded, capacity);
    count[b] = n;
    for (let j = 0; j < n; j++) {
      const source = (b * capacity + ((recorded - n + j) % capacity)) * historyEntryWords;
      const target = b * capacity + j;
      step[target] = historyFloats[source] ?? Number.NaN;
      merit[target] = historyFloats[source + 1] ?? Number.NaN;
      magnitude[target] = historyFloats[source + 2] ?? Number.NaN;
      flags[target] = history[source + 3] ?? 0;
    }
  }
  return {
    iteration,
    active,
    toleranceMet,
    floorMet,
    iterations,
    lambda,
    history: { capacity, count, step, merit, magnitude, flags },
  };
}
