/**
 * The device-side layout of a session: its uniform block, the per-sequence status and history records, the
 * per-workgroup partial reductions, and the WGSL that declares them.
 *
 * @module
 */

import { uniformLayout } from '../uniform-layout.ts';

/** The uniform block every session kernel reads (fields unused by a kernel stay 0). */
export const sessionParams = uniformLayout([
  ['batch', 'u32'],
  ['batch_base', 'u32'],
  ['length', 'u32'],
  ['blocks', 'u32'],
  ['count', 'u32'],
  ['chunk', 'u32'],
  ['chunks', 'u32'],
  ['total_batch', 'u32'],
  ['offset_inputs', 'u32'],
  ['offset_iterate', 'u32'],
  ['offset_candidate', 'u32'],
  ['offset_jacobian', 'u32'],
  ['offset_offset', 'u32'],
  ['offset_gain', 'u32'],
  ['offset_correction', 'u32'],
  ['history_capacity', 'u32'],
  ['tolerance', 'f32'],
  ['reset_bound', 'f32'],
  ['damping', 'f32'],
  ['lambda', 'f32'],
  ['criterion', 'u32'],
  ['reset', 'u32'],
  ['trust', 'u32'],
  ['lambda_session', 'u32'],
  ['increase', 'f32'],
  ['decrease', 'f32'],
  ['lambda_minimum', 'f32'],
  ['lambda_maximum', 'f32'],
  ['smoother', 'u32'],
  ['floor_window', 'u32'],
  ['floor_memory', 'u32'],
  ['floor_bound', 'f32'],
  ['floor_unit', 'f32'],
  ['floor_length', 'f32'],
  ['merit_blocks', 'u32'],
] as const);

/** The values of {@link sessionParams}. */
export type SessionParamValues = Parameters<typeof sessionParams.pack>[0];

/**
 * WGSL opening a session kernel that runs `params.count` workgroups, `params.blocks` per sequence (inside
 * `main(workgroup, workgroups, …)`; needs `linear_workgroup`): `group`, and its `sequence` and `block`.
 */
export const sequenceBlockWgsl = /* wgsl */ `  let group = linear_workgroup(workgroup, workgroups);
  if (group >= params.count) { return; }
  let sequence = group / params.blocks;
  let block = group % params.blocks;`;

/** 32-bit words of one {@link sequenceStateWgsl} record. */
export const sequenceStateWords = 12;

/** Word indices of the fields of one sequence's state record (see {@link sequenceStateWgsl}). */
export const SequenceStateField = {
  active: 0,
  toleranceMet: 1,
  iterations: 2,
  recorded: 3,
  lambda: 4,
  merit: 5,
  meritSquared: 6,
  write: 7,
  step: 8,
  magnitude: 9,
  flags: 10,
  floorMet: 11,
} as const;

/** 32-bit words of one `Partial`. */
export const partialWords = 5;

/** 32-bit words of one history entry. */
export const historyEntryWords = 4;

/** Per-sequence records and reduction partials, in WGSL. */
export const sequenceStateWgsl = /* wgsl */ `
struct SequenceState {
  running: u32,
  tolerance_met: u32,
  iterations: u32,
  recorded: u32,
  lambda: f32,
  merit: f32,
  merit_squared: f32,
  apply_step: u32,
  step: f32,
  magnitude: f32,
  flags: u32,
  floor_met: u32,
}

struct HistoryEntry {
  step: f32,
  merit: f32,
  magnitude: f32,
  flags: u32,
}

// One workgroup's reduction: four maxima/sums (their meaning depends on the kernel) and flag bits.
struct Partial {
  first: f32,
  second: f32,
  third: f32,
  fourth: f32,
  flags: u32,
}

const FLAG_RESET: u32 = 1u;
const FLAG_REJECTED: u32 = 2u;
const FLAG_NOT_FINITE: u32 = 4u;
const FLAG_NAN_FIRST: u32 = 8u;

fn is_nan(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

// Folds a residual r into a merit partial: max |r| and Σ r², or the NaN flag.
fn add_residual(partial: ptr<function, Partial>, r: f32) {
  if (is_nan(r)) {
    (*partial).flags = (*partial).flags | FLAG_NAN_FIRST;
  } else {
    (*partial).first = max((*partial).first, abs(r));
    (*partial).second += r * r;
  }
}
`;

/**
 * WGSL of a workgroup reduction of {@link sequenceStateWgsl}'s `Partial`: maxima of `first`, `third` and
 * `fourth`, sum (`sumSecond`) or maximum of `second`, or of flags. `size` is the workgroup size (a power of two).
 */
export function partialReductionWgsl(size: number, sumSecond: boolean): string {
  const combineSecond = sumSecond ? 'a.second + b.second' : 'max(a.second, b.second)';
  return /* wgsl */ `
var<workgroup> reduction_shared: array<Partial, ${size}>;

fn combine_partials(a: Partial, b: Partial) -> Partial {
  return Partial(max(a.first, b.first), ${combineSecond}, max(a.third, b.third), max(a.fourth, b.fourth),
    a.flags | b.flags);
}

fn reduce_partials(local: u32, value: Partial) -> Partial {
  reduction_shared[local] = value;
  workgroupBarrier();
  for (var half = ${size / 2}u; half > 0u; half = half >> 1u) {
    if (local < half) {
      reduction_shared[local] = combine_partials(reduction_shared[local], reduction_shared[local + half]);
    }
    workgroupBarrier();
  }
  return reduction_shared[0];
}
`;
}
