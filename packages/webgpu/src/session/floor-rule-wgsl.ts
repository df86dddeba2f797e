/**
 * The precision-aware floor rule of `@elk/solvers` (`floorDecision`) in WGSL, so that `update` stops a
 * sequence at its rounding floor on the device: the host then reads the status only to learn that every
 * sequence has stopped, never to decide it.
 *
 * @module
 */

import { type FloorRuleOptions, floorRuleSettings, mostFloorWindow, unitRoundoff } from '@elk/solvers';
import type { SessionParamValues } from './session-layout.ts';

/** The uniform values of the floor rule (all 0, the rule off, when `floor` is absent). */
export function floorRuleValues(
  floor: FloorRuleOptions | undefined,
  length: number,
  historyCapacity: number,
): SessionParamValues {
  if (floor === undefined) return { floor_window: 0 };
  const settings = floorRuleSettings(floor, historyCapacity);
  return {
    floor_window: settings.window,
    // The rule sees at most the entries the history holds: a longer memory means the same (and fits a u32).
    floor_memory: Math.min(Math.max(settings.window, settings.resetMemory), historyCapacity),
    floor_bound: settings.resetBound,
    floor_unit: unitRoundoff('f32'),
    floor_length: length,
  };
}

/**
 * WGSL `floor_stops(sequence, n)`: whether the rule stops a sequence whose history holds `n` entries, read
 * oldest first through `floor_entry(sequence, j)` (which the including kernel defines), with the settings in
 * `params.floor_*` (`floor_memory` is already max(window, reset memory), at most the history's capacity). Needs {@link sequenceStateWgsl}'s
 * `HistoryEntry`, flags and `is_nan`. The same steps as `floorDecision`, in f32: no reset, rejection or
 * magnitude at the bound among the last `floor_memory` entries; a full window of finite steps; stalled (the
 * later half's least step at least half the earlier half's, and not every step below the one before); the
 * median step and the later half below the ceiling ε·max(M, 1)·T, M the window's least magnitude; the latest
 * merit within 10× the floor estimate (the median clamped to [ε·max(M, 1), the ceiling]).
 */
export const floorRuleWgsl = /* wgsl */ `
const FLOOR_MOST_WINDOW: u32 = ${mostFloorWindow}u;
const FLOOR_LARGEST: f32 = 3.4028234e38;

fn floor_finite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

fn floor_stops(sequence: u32, n: u32) -> bool {
  let window = params.floor_window;
  if (window < 2u || n < window) { return false; }
  for (var j = n - min(n, params.floor_memory); j < n; j++) {
    let entry = floor_entry(sequence, j);
    if ((entry.flags & (FLAG_RESET | FLAG_REJECTED)) != 0u || is_nan(entry.magnitude) ||
        entry.magnitude >= params.floor_bound) {
      return false;
    }
  }
  let first = n - window;
  var steps: array<f32, FLOOR_MOST_WINDOW>;
  var magnitude = FLOOR_LARGEST;
  for (var j = 0u; j < window; j++) {
    let entry = floor_entry(sequence, first + j);
    if (!floor_finite(entry.step)) { return false; }
    steps[j] = entry.step;
    magnitude = min(magnitude, entry.magnitude);
  }
  let unit = params.floor_unit * max(magnitude, 1.0);
  let ceiling = unit * params.floor_length;
  // The median: insertion sort of a copy (the window is short).
  var sorted = steps;
  for (var j = 1u; j < window; j++) {
    let value = sorted[j];
    var k = j;
    while (k > 0u && sorted[k - 1u] > value) {
      sorted[k] = sorted[k - 1u];
      k--;
    }
    sorted[k] = value;
  }
  let middle = window >> 1u;
  var noise = sorted[middle];
  if ((window & 1u) == 0u) { noise = 0.5 * (sorted[middle - 1u] + sorted[middle]); }
  let floor = min(max(noise, unit), ceiling);
  let early_count = window - middle;
  var early = FLOOR_LARGEST;
  for (var j = 0u; j < early_count; j++) { early = min(early, steps[j]); }
  var late = FLOOR_LARGEST;
  var late_most = 0.0;
  for (var j = early_count; j < window; j++) {
    late = min(late, steps[j]);
    late_most = max(late_most, steps[j]);
  }
  var decreases = 0u;
  for (var j = 1u; j < window; j++) {
    if (steps[j] < steps[j - 1u]) { decreases++; }
  }
  let stalled = late >= 0.5 * early && decreases < window - 1u;
  let below = noise <= ceiling && late_most <= ceiling;
  let merit = floor_entry(sequence, n - 1u).merit;
  return stalled && below && !is_nan(merit) && merit <= 10.0 * floor;
}
`;
