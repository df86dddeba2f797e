/**
 * WGSL of the single-pass diagonal affine scan for D a multiple of 4 (D ≤ 1024): x_t = a_t ⊙ x_{t−1} + b_t over
 * [B, T, D] (or reverse), in one dispatch after a clear of its state words, reading a and b once and writing x
 * once — the vec4 form of kernels/single-pass-diagonal-scan.ts, built for throughput:
 *
 * - an invocation owns one quad of channels (4 consecutive ones: one vec4) and K consecutive steps, so it
 *   loads, folds and stores whole vec4s with no transposition through workgroup memory (a warp's loads cover
 *   whole 32-byte sectors of consecutive steps);
 * - Q = D / 4 quads × G = ⌊256 / Q⌋ groups of steps per workgroup: a chunk is G × K steps of one sequence;
 * - D, K and the workgroup's shape are constants of the pipeline (one per D and K), and the K steps are
 *   written out (the 2K vec4s live in registers, or wherever the compiler keeps them);
 * - the groups' maps are scanned per quad in workgroup memory (Hillis–Steele, ⌈log₂ G⌉ rounds);
 * - the look-back is one invocation per channel, with no barrier inside it: each round loads the words of
 *   {@link vectorScanWindow} predecessors at once (independent loads: one round trip) and composes them in
 *   order up to the nearest inclusive prefix, or up to a predecessor that has published nothing yet (polled
 *   again next round).
 *
 * Tickets, publication words, the spin bound and the NaN on failure are those of the scalar kernel: tickets
 * are chunk-major (ticket = chunk · batch + sequence), the state buffer holds the ticket counter, then per
 * (sequence · D + channel) · chunks + chunk the inclusive prefix, the aggregate's A and B, each an atomic
 * word that is never 0 once published (+0.0 goes out as −0.0).
 *
 * @module
 */

import { type UniformField, uniformLayout } from '../uniform-layout.ts';
import { scanPlacementFields } from './affine-diagonal-scan.ts';
import {
  singlePassLookBackFields,
  singlePassPublishWgsl,
  singlePassRowScanWgsl,
} from './single-pass-diagonal-scan.ts';
import { commonWgsl } from './wgsl-common.ts';

/** Invocations per workgroup of the vec4 single-pass scan. */
export const vectorScanWorkgroupSize = 256;

/**
 * The most steps per invocation (K). Longer chunks spread the workgroup's scan and look-back over more
 * elements: measured on the H200 (B = 16, D = 8, 5·10⁸ elements, forward), K = 8 / 16 / 32 moved 2.40 / 2.71 /
 * 3.02 TB/s against a 4.05 TB/s copy (59 / 67 / 75 %); at D = 64, 10⁸ elements, K = 32: 3.07 TB/s (76 %).
 */
export const vectorScanMaxSteps = 32;

/**
 * Failed polls (rounds that absorb nothing) a channel's look-back may make before it gives up (NaN outputs),
 * per channel — an invocation that looks back for several channels (D > 256) may wait this long for each. On a
 * GPU a poll is one L2 round trip with no barrier (well under a microsecond: the bound is under a second),
 * while a predecessor that has started publishes its aggregate within microseconds. On a software adapter a
 * poll takes nanoseconds while a predecessor on another CPU thread takes milliseconds (2¹⁶ polls, the scalar
 * kernel's bound there, gave up on live predecessors in testing).
 */
export const vectorScanSpinLimit = { hardware: 1 << 20, software: 1 << 22 } as const;

/**
 * Predecessors a look-back round polls at once (windows of 8 and 16 measured slightly slower on the H200: the
 * nearest prefix is usually within a few chunks).
 */
export const vectorScanWindow = 4;

/**
 * The fewest workgroups the default K aims for (as the scalar kernel's target): small scans take shorter chunks
 * (at 10⁷ elements, D = 8 on the H200, K = 8–10 measured best, 1.86 TB/s, against 1.55 at K = 32).
 */
const targetWorkgroups = 1024;

/** The split of a vec4 single-pass scan. */
export interface VectorScanPlan {
  /** Quads of channels (D / 4). */
  readonly quads: number;
  /** Groups of K steps per workgroup (⌊256 / quads⌋). */
  readonly groups: number;
  /** Steps per invocation (K, 1 … {@link vectorScanMaxSteps}). */
  readonly steps: number;
  /** Chunk length L = groups × K. */
  readonly chunk: number;
  /** ⌈T / L⌉. */
  readonly chunks: number;
}

/** Whether the vec4 scan handles D channels: D a positive multiple of 4 with D / 4 ≤ the workgroup size. */
export function vectorScanHandles(dim: number): boolean {
  return dim > 0 && dim % 4 === 0 && dim / 4 <= vectorScanWorkgroupSize;
}

/**
 * Plans a vec4 single-pass scan of `batch` sequences of T = `length` steps and D = `dim` channels (D a multiple
 * of 4). `chunk` (a wanted chunk length) picks K = ⌊chunk / groups⌋ clamped to [1, {@link vectorScanMaxSteps}];
 * by default K is the largest that still gives about 1024 workgroups.
 *
 * @example
 * ```ts
 * vectorScanPlan(16, 100_000, 8); // { quads: 2, groups: 128, steps: 13, chunk: 1664, chunks: 61 }
 * ```
 */
export function vectorScanPlan(
  batch: number,
  length: number,
  dim: number,
  chunk?: number,
  mostSteps: number = vectorScanMaxSteps,
): VectorScanPlan {
  const quads = dim / 4;
  const groups = Math.floor(vectorScanWorkgroupSize / quads);
  let steps: number;
  if (chunk !== undefined) {
    steps = Math.floor(Math.max(1, chunk) / groups);
  } else {
    const perSequence = Math.max(1, Math.ceil(targetWorkgroups / batch));
    steps = Math.ceil(length / perSequence / groups);
  }
  steps = Math.min(vectorScanMaxSteps, Math.max(1, mostSteps), Math.max(1, steps));
  return { quads, groups, steps, chunk: groups * steps, chunks: Math.ceil(length / (groups * steps)) };
}

/** Fields of the vec4 scan kernel's uniform block (offsets in floats, multiples of 4). */
export const vectorScanFields = [
  ['batch', 'u32'],
  ['length', 'u32'],
  ['chunks', 'u32'],
  ...scanPlacementFields,
  ...singlePassLookBackFields,
] as const satisfies readonly UniformField[];

/** Uniform block of the vec4 scan kernel. */
export const vectorScanParams = uniformLayout(vectorScanFields);

/**
 * What replaces the vec4 scan's store of x — a caller's work on each scanned vec4 where it is made (e.g.
 * `update` fused into the scan: session/single-pass-scan-update.ts). In the WGSL: `params` the block `paramsWgsl`
 * declares (the scan's fields first), `declarations` after the scan's bindings (1–6), `begin` at function scope
 * before the steps are applied, `store(index, value)` for each step in range (`index` the vec4 index before the
 * window's offset, `value` the scanned vec4), `end` after the last step in uniform control flow (every
 * invocation of the workgroup; `sequence` and `chunk` name the workgroup's). `key` names the variant.
 */
export interface VectorScanEpilogue {
  readonly key: string;
  readonly paramsWgsl: string;
  readonly declarations: string;
  readonly begin: string;
  store(index: string, value: string): string;
  readonly end: string;
}

/** Workgroup memory of the vec4 scan for D channels, bytes. */
export function vectorScanWorkgroupBytes(dim: number): number {
  return 2 * vectorScanWorkgroupSize * 16 + dim * 4 + 8;
}

function repeat(count: number, line: (k: number) => string): string {
  return Array.from({ length: count }, (_, k) => line(k)).join('\n');
}

/**
 * WGSL of the vec4 scans' look-back for one channel of a chunk past the first (see {@link vectorScanWgsl}):
 * publish the chunk's aggregate, then poll predecessors p − j for j < `window` at once (their inclusive prefix
 * and aggregate words at the `names` bases + words + p − j), composing them in order up to the nearest
 * inclusive prefix, or up to one that has published nothing yet (polled again next round); after `spinLimit`
 * rounds that absorb nothing, set `failed_shared` and a NaN carry; publish the chunk's inclusive prefix.
 * Expects `state`, `failed_shared`, `nan_if`, `words`, `chunk`, `total_a`, `total_b` and `var carry` in scope.
 */
export function vectorLookBackWgsl(
  window: number,
  names: { readonly prefix: string; readonly a: string; readonly b: string; readonly spinLimit: string },
): string {
  const loads = repeat(
    window,
    (j) => `      var prefix${j} = 0u; var earlier_a${j} = 0u; var earlier_b${j} = 0u;
      if (${j}u <= p) {
        prefix${j} = atomicLoad(&state[${names.prefix} + words + p - ${j}u]);
        earlier_a${j} = atomicLoad(&state[${names.a} + words + p - ${j}u]);
        earlier_b${j} = atomicLoad(&state[${names.b} + words + p - ${j}u]);
      }`,
  );
  const absorb = repeat(
    window,
    (j) => `      if (going && ${j}u <= p) {
        if (prefix${j} != 0u) {
          carry = acc_a * bitcast<f32>(prefix${j}) + acc_b;
          done = true;
          going = false;
        } else if (earlier_a${j} != 0u && earlier_b${j} != 0u) {
          acc_b = acc_a * bitcast<f32>(earlier_b${j}) + acc_b;
          acc_a = acc_a * bitcast<f32>(earlier_a${j});
          absorbed += 1u;
        } else {
          going = false;
        }
      }`,
  );
  return `      publish(${names.a} + words + chunk, bitcast<u32>(total_a));
      publish(${names.b} + words + chunk, bitcast<u32>(total_b));
      // acc: the composed maps of chunks p + 1 … chunk − 1.
      var acc_a = 1.0;
      var acc_b = 0.0;
      var p = chunk - 1u;
      var tries = 0u;
      var done = false;
      loop {
${loads}
      var going = true;
      var absorbed = 0u;
${absorb}
      if (done) { break; }
      p -= absorbed;
      if (absorbed == 0u) {
        tries += 1u;
        if (tries >= ${names.spinLimit}) {
          atomicStore(&failed_shared, 1u);
          carry = nan_if(true);
          break;
        }
      }
      }
      publish(${names.prefix} + words + chunk, bitcast<u32>(total_a * carry + total_b));
`;
}

/**
 * WGSL of the start of a vec4 scan's apply: `var value` = the carry of the invocation's quad (channels
 * 4·quad … 4·quad + 3 of `carry_shared`) composed with the groups before its own (`scan_a`, `scan_b` at
 * `local − QUADS`), NaN where the look-back gave up (`failed`). Shared by {@link vectorScanWgsl} and the tiled
 * quasi-DEER iteration.
 */
export const vectorCarryWgsl = /* wgsl */ `    var value = vec4<f32>(carry_shared[4u * quad], carry_shared[4u * quad + 1u], carry_shared[4u * quad + 2u],
      carry_shared[4u * quad + 3u]);
    if (group > 0u) {
      let earlier = local - QUADS;
      value = scan_a[earlier] * value + scan_b[earlier];
    }
    if (failed) { value = vec4<f32>(nan_if(failed)); }`;

/**
 * WGSL of the vec4 scan for D = `dim` channels with K = `steps` steps per invocation. Bindings: 1 a, 2 b
 * (`array<vec4<f32>>`, read), 3 x (write), 4 x0 [B, D] f32 (read; used when `has_initial` is 1), 5 the state
 * words `array<atomic<u32>>` (cleared before), and with `skipStopped` 6 the sessions' status words (sequence
 * batch_base + s is skipped while its word (batch_base + s) · running_stride is 0). Dispatch exactly
 * chunks × batch workgroups (any grid shape).
 */
export function vectorScanWgsl(
  dim: number,
  steps: number,
  skipStopped = false,
  window: number = vectorScanWindow,
  epilogue?: VectorScanEpilogue,
): string {
  const quads = dim / 4;
  const groups = Math.floor(vectorScanWorkgroupSize / quads);
  const running = skipStopped
    ? /* wgsl */ `@group(0) @binding(6) var<storage, read> running: array<u32>;
fn sequence_stopped(sequence: u32) -> bool {
  return running[(params.batch_base + sequence) * params.running_stride] == 0u;
}`
    : 'fn sequence_stopped(sequence: u32) -> bool { return false; }';
  const loads = (checked: boolean) =>
    repeat(steps, (k) => {
      const body = `{ let i = vector_index(row, first, start, ${k}u, quad); a${k} = a[(params.offset_a >> 2u) + i]; b${k} = b[(params.offset_b >> 2u) + i]; }`;
      return checked ? `    if (start + ${k}u < count) ${body}` : `    ${body}`;
    });
  const lookBack = vectorLookBackWgsl(window, {
    prefix: 'params.prefix_base',
    a: 'params.aggregate_a_base',
    b: 'params.aggregate_b_base',
    spinLimit: 'params.spin_limit',
  });
  const store = (k: number) => {
    const index = `vector_index(row, first, start, ${k}u, quad)`;
    return epilogue ? epilogue.store(index, 'value') : `x[(params.offset_x >> 2u) + ${index}] = value;`;
  };
  return /* wgsl */ `${epilogue?.paramsWgsl ?? vectorScanParams.wgsl}
${commonWgsl}
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> x: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> x0: array<f32>;
@group(0) @binding(5) var<storage, read_write> state: array<atomic<u32>>;
${running}
${epilogue?.declarations ?? ''}

const WORKGROUP: u32 = ${vectorScanWorkgroupSize}u;
const DIM: u32 = ${dim}u;
const QUADS: u32 = ${quads}u;
const GROUPS: u32 = ${groups}u;
const STEPS: u32 = ${steps}u;
const CHUNK: u32 = ${groups * steps}u;
${singlePassPublishWgsl}
var<workgroup> ticket_shared: u32;
var<workgroup> failed_shared: atomic<u32>;
// Per (group, quad): the group's map, then (after the scan) the composition of groups 0 … g.
var<workgroup> scan_a: array<vec4<f32>, WORKGROUP>;
var<workgroup> scan_b: array<vec4<f32>, WORKGROUP>;
var<workgroup> carry_shared: array<f32, DIM>;

fn initial_state(sequence: u32, channel: u32) -> f32 {
  if (params.has_initial == 0u) { return 0.0; }
  return x0[(params.batch_base + sequence) * DIM + channel];
}

// NaN where \`flag\` holds (a runtime value: a constant NaN is a shader-creation error), else 0.
fn nan_if(flag: bool) -> f32 {
  return bitcast<f32>(select(0u, NAN_BITS, flag));
}

// The vec4 index (before the window's offset) of quad \`quad\` at step start + k of the chunk from \`first\`
// (in processing order) of the sequence whose steps begin at \`row\`.
fn vector_index(row: u32, first: u32, start: u32, k: u32, quad: u32) -> u32 {
  return (row + time_index(first + start + k, params.length, params.reverse)) * QUADS + quad;
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(local_invocation_index) local: u32) {
  // The chunk comes from the ticket counter, chunk-major: ticket = chunk · batch + sequence.
  if (local == 0u) {
    let taken = atomicAdd(&state[0], 1u);
    atomicStore(&failed_shared, 0u);
    ticket_shared = select(taken, NO_TICKET, taken / params.batch >= params.chunks || sequence_stopped(taken % params.batch));
  }
  let ticket = workgroupUniformLoad(&ticket_shared);
  if (ticket == NO_TICKET) { return; }
  let chunk = ticket / params.batch;
  let sequence = ticket % params.batch;
  let quad = local % QUADS;
  let group = local / QUADS;
  let in_groups = group < GROUPS;
  let first = chunk * CHUNK;
  let count = min(CHUNK, params.length - first);
  let start = group * STEPS;
  let row = sequence * params.length;
${repeat(steps, (k) => `  var a${k} = vec4<f32>(1.0);\n  var b${k} = vec4<f32>(0.0);`)}
  if (in_groups) {
    if (count == CHUNK) {
${loads(false)}
    } else {
${loads(true)}
    }
  }
  var own_a = vec4<f32>(1.0);
  var own_b = vec4<f32>(0.0);
${repeat(steps, (k) => `  own_b = a${k} * own_b + b${k};\n  own_a = a${k} * own_a;`)}

  // Inclusive scan of the groups' maps per quad.
${singlePassRowScanWgsl('GROUPS', 'QUADS', 'group', 'in_groups')}

  // One invocation per channel (channels local, local + 256, …): publish, look back, publish the prefix.
  for (var channel = local; channel < DIM; channel += WORKGROUP) {
    let last = (GROUPS - 1u) * QUADS + channel / 4u;
    let total_a = scan_a[last][channel % 4u];
    let total_b = scan_b[last][channel % 4u];
    let words = (sequence * DIM + channel) * params.chunks;
    var carry = initial_state(sequence, channel);
    if (chunk == 0u) {
      publish(params.prefix_base + words, bitcast<u32>(total_a * carry + total_b));
    } else {
${lookBack}    }
    carry_shared[channel] = carry;
  }
  workgroupBarrier();

  // Apply from the carry (composed with the groups before this one) over the K steps; store.
  let failed = atomicLoad(&failed_shared) != 0u;
${epilogue?.begin ?? ''}
  if (in_groups) {
${vectorCarryWgsl}
${repeat(
  steps,
  (k) => `    value = a${k} * value + b${k};
    if (start + ${k}u < count) { ${store(k)} }`,
)}
  }
${epilogue?.end ?? ''}
}
`;
}
