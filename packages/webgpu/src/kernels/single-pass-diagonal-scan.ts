/**
 * WGSL of the single-pass diagonal affine scan x_t = a_t ⊙ x_{t−1} + b_t over [B, T, D] (forward, or reverse:
 * x_t = a_t ⊙ x_{t+1} + b_t) with decoupled look-back: one dispatch reads a and b once and writes x once
 * (12 bytes per element), after a small clear of its publication words.
 *
 * Work split. T is cut into chunks of L = rows × K steps, D into channel tiles of `width` channels (one tile
 * when D ≤ 256). A workgroup of 256 invocations scans one chunk of one tile of one sequence:
 *
 * 1. it takes a ticket from an atomic counter (not `workgroup_id`): tickets are chunk-major, so the chunk
 *    before its own always holds a smaller ticket — a workgroup only ever waits on work that has started;
 * 2. loads the chunk's a and b "striped": invocation i reads elements i, i + 256, … of the chunk's block of
 *    L × width floats, so consecutive invocations read consecutive addresses (one contiguous block when the
 *    tile is all of D);
 * 3. transposes them through workgroup memory to a "blocked" layout: invocation (row, lane) holds steps
 *    row·K … row·K + K − 1 of channel `lane` in registers, and folds them into one map (A, B);
 * 4. scans those maps over the rows per channel (Hillis–Steele in workgroup memory): the last row holds the
 *    chunk's aggregate, published at once (before any waiting);
 * 5. looks back over windows of `rows` predecessors per channel, all invocations at once (below), to the nearest
 *    published inclusive prefix (the state after that chunk), and publishes its own prefix as soon as a channel
 *    has its carry;
 * 6. applies x ← a x + b from that carry over its K steps, transposes x back and stores it striped.
 *
 * Look-back. The window of a channel is `rows` predecessors wide — the same (row, lane) grid as the scan, so
 * every invocation of a full tile polls one predecessor per round (window 32 at D = 8, 256 at D = 1, 1 at
 * D > 128, where the tile's 129–256 channels already keep most invocations busy), and a round costs one L2
 * round trip (the three words of a predecessor are loaded together) plus ⌈log₂ rows⌉ + 2 barriers. Wider
 * windows would need several loads per invocation: more L2 traffic from every waiting workgroup for windows
 * that usually find a prefix within a few chunks. Per channel, with `base` the nearest predecessor not yet absorbed and
 * acc the composed maps of chunks base + 1 … k − 1:
 *
 * - invocation (row, lane) loads the prefix and aggregate of chunk base − row (rows past chunk 0 load
 *   nothing) and writes the aggregate to slot row of workgroup memory; a prefix, or a chunk that has published
 *   nothing yet, lowers the channel's stop code (row << 1 | nothing) with `atomicMin`, so that `stop` is the
 *   nearest entry that is not an aggregate;
 * - an ordered tree reduction composes slots 0 … stop − 1 into slot 0 (slot r, the later chunk, is the outer
 *   map of slot r + h: affine maps do not commute), without touching slots from `stop` on;
 * - row 0 absorbs slot 0 into acc (acc ∘ slot 0); with a prefix at `stop`, the carry is acc applied to it;
 *   otherwise the window moves to `stop` (a whole window back when all were aggregates, to the missing
 *   chunk when one was missing — the next round re-polls from there; a round that absorbs nothing is a failed
 *   poll).
 *
 * Whether another round runs is decided per workgroup through `workgroupUniformLoad`, so every barrier stays
 * in uniform control flow; channels that are done sit the remaining rounds out.
 *
 * Publication. WGSL atomics are relaxed, so every published f32 is its own `atomicStore` to an
 * `array<atomic<u32>>` that was cleared to 0, and +0.0 is stored as −0.0 (0x80000000): a published word is
 * never 0, and a reader spins on each word it needs until it is non-zero. The state buffer holds a ticket
 * counter (word 0, then 3 words of padding), the inclusive prefixes [n], then the aggregates' A [n] and B [n],
 * n = sequences (of the window) × D × chunks (index (sequence · D + channel) · chunks + chunk). Chunk 0
 * publishes only its prefix (from x0, or 0).
 *
 * Every spin is bounded (`spin_limit` failed polls per channel in all): a chunk that gives up writes NaN to its
 * outputs and publishes a NaN prefix, so a failure shows in the results instead of hanging the device.
 *
 * @module
 */

import { uniformLayout } from '../uniform-layout.ts';
import { scanPlacementFields } from './affine-diagonal-scan.ts';
import { commonWgsl } from './wgsl-common.ts';

/** Invocations per workgroup of the single-pass scan (also the widest channel tile). */
export const singlePassWorkgroupSize = 256;

/**
 * The most steps an invocation keeps in registers (K); workgroup memory holds 256 × K floats (+ padding), so a
 * device's workgroup storage may allow fewer ({@link singlePassMostSteps}). Longer chunks spread a workgroup's
 * barriers and look-back over more elements.
 */
export const singlePassMaxSteps = 32;

/**
 * The fewest workgroups the default K aims for (K shrinks from {@link singlePassMaxSteps} towards 1 until a
 * scan has about this many chunks × tiles × sequences, so that small scans still fill a large GPU).
 */
export const singlePassTargetWorkgroups = 1024;

/**
 * Failed polls a channel's look-back may make in all before it gives up (NaN outputs). A poll is one round of
 * the windowed look-back: one L2 round trip and a few barriers, about 1–2 µs on a GPU, so the hardware bound is
 * a few seconds; lavapipe emulates the barriers (about 30–60 µs a round on two cores), so it gets fewer polls
 * (2–4 s); a predecessor that has started publishes its aggregate within microseconds.
 */
export const singlePassSpinLimit = { hardware: 1 << 22, software: 1 << 16 } as const;

/** Words before the prefixes in the state buffer: the ticket counter, padded to 16 bytes. */
export const singlePassHeaderWords = 4;

/**
 * WGSL shared by the single-pass kernels: the state words' constants and `publish(index, bits)`, which stores
 * bits that are never 0 (the cleared, unpublished state: +0.0 goes out as −0.0). Needs `state`, an
 * `array<atomic<u32>>`.
 */
export const singlePassPublishWgsl = /* wgsl */ `const NO_TICKET: u32 = 0xffffffffu;
const NEGATIVE_ZERO: u32 = 0x80000000u;
const NAN_BITS: u32 = 0x7fc00000u;

fn publish(index: u32, bits: u32) {
  atomicStore(&state[index], select(bits, NEGATIVE_ZERO, bits == 0u));
}
`;

/**
 * WGSL of the in-workgroup inclusive scan of affine maps (Hillis–Steele over `rounds` positions): each
 * invocation's map is in `own_a`, `own_b` (f32 or vec4), the workgroup arrays `scan_a`, `scan_b` hold them by
 * invocation, and invocation `local` at position `position` (its earlier neighbour `stride` invocations back)
 * composes while `active`. Afterwards scan_a/scan_b[local] hold the composition of positions 0 … position.
 */
export function singlePassRowScanWgsl(
  rounds: string,
  stride: string,
  position: string,
  active: string,
): string {
  return /* wgsl */ `  scan_a[local] = own_a;
  scan_b[local] = own_b;
  workgroupBarrier();
  for (var offset = 1u; offset < ${rounds}; offset = offset << 1u) {
    var later_a = scan_a[local];
    var later_b = scan_b[local];
    if (${active} && ${position} >= offset) {
      let earlier = local - offset * ${stride};
      later_b = later_a * scan_b[earlier] + later_b;
      later_a = later_a * scan_a[earlier];
    }
    workgroupBarrier();
    scan_a[local] = later_a;
    scan_b[local] = later_b;
    workgroupBarrier();
  }`;
}

/**
 * Words of the transposition tile with K steps per invocation: 256 × K and one padding word per 32, and at
 * least 2 × 256 (the look-back's window slots reuse it).
 */
function tileWords(steps: number): number {
  const tile = singlePassWorkgroupSize * steps;
  return Math.max(tile + Math.ceil(tile / 32), 2 * singlePassWorkgroupSize);
}

/** Workgroup memory the scan kernel needs with K steps per invocation, bytes. */
export function singlePassWorkgroupBytes(steps: number): number {
  // The tile, two scan arrays, the carries, the look-back's bases and stop codes, four words.
  return (tileWords(steps) + 5 * singlePassWorkgroupSize + 4) * 4;
}

/**
 * The largest K (≤ {@link singlePassMaxSteps}) whose workgroup memory fits `storageBytes`
 * (`maxComputeWorkgroupStorageSize`); 0 when not even K = 1 fits.
 *
 * @example
 * ```ts
 * singlePassMostSteps(16384); // 10
 * ```
 */
export function singlePassMostSteps(storageBytes: number): number {
  for (let steps = singlePassMaxSteps; steps >= 1; steps--) {
    if (singlePassWorkgroupBytes(steps) <= storageBytes) return steps;
  }
  return 0;
}

/** The split of a single-pass scan: channel tiles, rows per workgroup, K, chunk length and count. */
export interface SinglePassPlan {
  /** Channel tiles per sequence (⌈D / 256⌉). */
  readonly tiles: number;
  /** Channels per tile (the last tile may hold fewer). */
  readonly width: number;
  /** Rows of invocations per workgroup: ⌊256 / width⌋. */
  readonly rows: number;
  /** Steps per invocation (K, 1 … {@link singlePassMaxSteps}). */
  readonly steps: number;
  /** Chunk length L = rows × K. */
  readonly chunk: number;
  /** ⌈T / L⌉. */
  readonly chunks: number;
}

/**
 * Plans a single-pass scan of `batch` sequences of T = `length` steps and D = `dim` channels. `chunk` (a wanted
 * chunk length) picks K = ⌊chunk / rows⌋ clamped to [1, {@link singlePassMaxSteps}]; by default K is the
 * largest that still gives about {@link singlePassTargetWorkgroups} workgroups.
 *
 * @example
 * ```ts
 * singlePassPlan(16, 100_000, 8); // { tiles: 1, width: 8, rows: 32, steps: 32, chunk: 1024, chunks: 98 }
 * ```
 */
export function singlePassPlan(
  batch: number,
  length: number,
  dim: number,
  chunk?: number,
  mostSteps: number = singlePassMaxSteps,
): SinglePassPlan {
  const size = singlePassWorkgroupSize;
  const tiles = Math.ceil(dim / size);
  const width = Math.ceil(dim / tiles);
  const rows = Math.floor(size / width);
  let steps: number;
  if (chunk !== undefined) {
    steps = Math.floor(Math.max(1, chunk) / rows);
  } else {
    const perLane = Math.max(1, Math.ceil(singlePassTargetWorkgroups / (batch * tiles)));
    steps = Math.ceil(length / perLane / rows);
  }
  steps = Math.min(singlePassMaxSteps, Math.max(1, mostSteps), Math.max(1, steps));
  return { tiles, width, rows, steps, chunk: rows * steps, chunks: Math.ceil(length / (rows * steps)) };
}

/** Uniform block of the clear kernel: `count` words from 0. */
export const singlePassClearParams = uniformLayout([['count', 'u32']] as const);

/** Uniform fields both single-pass kernels end with: x0's use, the spin bound and the state words' bases. */
export const singlePassLookBackFields = [
  ['has_initial', 'u32'],
  ['spin_limit', 'u32'],
  ['prefix_base', 'u32'],
  ['aggregate_a_base', 'u32'],
  ['aggregate_b_base', 'u32'],
] as const;

/** Uniform block of the scan kernel. */
export const singlePassScanParams = uniformLayout([
  ['batch', 'u32'],
  ['length', 'u32'],
  ['dim', 'u32'],
  ['width', 'u32'],
  ['tiles', 'u32'],
  ['rows', 'u32'],
  ['chunk', 'u32'],
  ['chunks', 'u32'],
  ...scanPlacementFields,
  ...singlePassLookBackFields,
] as const);

/** WGSL of the clear: binding 1 `array<u32>`, words [0, count) set to 0 (1-D grid, 2-D beyond 65535 groups). */
export function singlePassClearWgsl(): string {
  return /* wgsl */ `${singlePassClearParams.wgsl}
${commonWgsl}
@group(0) @binding(1) var<storage, read_write> words: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let i = linear_workgroup(workgroup, workgroups) * 256u + local;
  if (i < params.count) { words[i] = 0u; }
}
`;
}

/**
 * WGSL of the scan with K = `steps` steps per invocation. Bindings: 1 a, 2 b (read), 3 x (write), 4 x0 [B, D]
 * (read; used when `has_initial` is 1), 5 the state words `array<atomic<u32>>` (cleared before), and with
 * `skipStopped` 6 the sessions' status words (sequence batch_base + s is skipped while its word
 * (batch_base + s) · running_stride is 0). Dispatch exactly chunks × batch × tiles workgroups (any grid shape).
 */
export function singlePassScanWgsl(steps: number, skipStopped = false): string {
  const size = singlePassWorkgroupSize;
  const tile = size * steps;
  const running = skipStopped
    ? /* wgsl */ `@group(0) @binding(6) var<storage, read> running: array<u32>;
fn sequence_stopped(sequence: u32) -> bool {
  return running[(params.batch_base + sequence) * params.running_stride] == 0u;
}`
    : 'fn sequence_stopped(sequence: u32) -> bool { return false; }';
  return /* wgsl */ `${singlePassScanParams.wgsl}
${commonWgsl}
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> x: array<f32>;
@group(0) @binding(4) var<storage, read> x0: array<f32>;
@group(0) @binding(5) var<storage, read_write> state: array<atomic<u32>>;
${running}

const WORKGROUP: u32 = ${size}u;
const STEPS: u32 = ${steps}u;
const TILE: u32 = ${tile}u;
${singlePassPublishWgsl}const DONE: u32 = 0xffffffffu;

var<workgroup> ticket_shared: u32;
var<workgroup> failed_shared: atomic<u32>;
// The transposition tile: one padding word per 32 spreads the blocked reads over the banks. During the look-back
// it holds the window's slots instead: A at [0, WORKGROUP), B (or a prefix) at [WORKGROUP, 2 · WORKGROUP).
var<workgroup> tile_shared: array<f32, ${tileWords(steps)}>;
var<workgroup> scan_a: array<f32, WORKGROUP>;
var<workgroup> scan_b: array<f32, WORKGROUP>;
var<workgroup> carry_shared: array<f32, WORKGROUP>;
// Per channel: the window's nearest predecessor (DONE once the channel has its carry) and its stop code.
var<workgroup> look_base: array<u32, WORKGROUP>;
var<workgroup> look_stop: array<atomic<u32>, WORKGROUP>;
// Channels still looking back after a round, and its copy that decides (uniformly) whether another round runs.
var<workgroup> pending_shared: atomic<u32>;
var<workgroup> more_shared: u32;

fn padded(e: u32) -> u32 { return e + (e >> 5u); }

fn initial_state(sequence: u32, channel: u32) -> f32 {
  if (params.has_initial == 0u) { return 0.0; }
  return x0[(params.batch_base + sequence) * params.dim + channel];
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(local_invocation_index) local: u32) {
  // 1. The chunk comes from the ticket counter, chunk-major: ticket = (chunk · batch + sequence) · tiles + tile.
  if (local == 0u) {
    let taken = atomicAdd(&state[0], 1u);
    let lanes = params.batch * params.tiles;
    atomicStore(&failed_shared, 0u);
    atomicStore(&pending_shared, 0u);
    ticket_shared = select(taken, NO_TICKET, taken / lanes >= params.chunks || sequence_stopped(taken % lanes / params.tiles));
  }
  let ticket = workgroupUniformLoad(&ticket_shared);
  if (ticket == NO_TICKET) { return; }
  let lanes = params.batch * params.tiles;
  let chunk = ticket / lanes;
  let sequence = (ticket % lanes) / params.tiles;
  let channel0 = (ticket % params.tiles) * params.width;
  let width = params.width;
  let channels = min(width, params.dim - channel0);
  let first = chunk * params.chunk;
  let count = min(params.chunk, params.length - first);
  let sequence_base = sequence * params.length;
  let quotient = WORKGROUP / width;
  let remainder = WORKGROUP % width;

  // 2. Striped loads: element e = local + m · WORKGROUP of the chunk's [count, width] block.
  var load_a: array<f32, STEPS>;
  var load_b: array<f32, STEPS>;
  {
    var j = local / width;
    var c = local % width;
    for (var m = 0u; m < STEPS; m++) {
      load_a[m] = 1.0;
      load_b[m] = 0.0;
      if (j < count && c < channels) {
        let i = (sequence_base + time_index(first + j, params.length, params.reverse)) * params.dim + channel0 + c;
        load_a[m] = a[params.offset_a + i];
        load_b[m] = b[params.offset_b + i];
      }
      j += quotient;
      c += remainder;
      if (c >= width) { c -= width; j += 1u; }
    }
  }

  // 3. Blocked: invocation (row, lane) holds steps row · K + k of channel lane (identity past the chunk).
  let row = local / width;
  let lane = local % width;
  let in_rows = row < params.rows;
  var slope: array<f32, STEPS>;
  var intercept: array<f32, STEPS>;
  for (var m = 0u; m < STEPS; m++) { tile_shared[padded(local + m * WORKGROUP)] = load_a[m]; }
  workgroupBarrier();
  for (var k = 0u; k < STEPS; k++) {
    slope[k] = 1.0;
    if (in_rows) { slope[k] = tile_shared[padded((row * STEPS + k) * width + lane)]; }
  }
  workgroupBarrier();
  for (var m = 0u; m < STEPS; m++) { tile_shared[padded(local + m * WORKGROUP)] = load_b[m]; }
  workgroupBarrier();
  for (var k = 0u; k < STEPS; k++) {
    intercept[k] = 0.0;
    if (in_rows) { intercept[k] = tile_shared[padded((row * STEPS + k) * width + lane)]; }
  }
  var own_a = 1.0;
  var own_b = 0.0;
  for (var k = 0u; k < STEPS; k++) {
    own_b = slope[k] * own_b + intercept[k];
    own_a = slope[k] * own_a;
  }

  // 4. Inclusive scan of the rows' maps per channel.
${singlePassRowScanWgsl('params.rows', 'width', 'row', 'in_rows')}

  // 5. Publish the aggregate, then look back over windows of predecessors (see the module's notes): invocation
  //    (row, lane) polls chunk look_base[lane] − row of channel lane; the window's slots are composed in order
  //    up to the nearest entry that is not an aggregate; the channel's row-0 invocation then finishes (a prefix)
  //    or moves its window back (past everything absorbed) and polls again.
  var carry = 0.0;
  var aggregate_a = 1.0;
  var aggregate_b = 0.0;
  let looks = in_rows && lane < channels;
  let lane_words = (sequence * params.dim + channel0 + lane) * params.chunks;
  if (local < channels) {
    let last = (params.rows - 1u) * width + local;
    aggregate_a = scan_a[last];
    aggregate_b = scan_b[last];
    carry = initial_state(sequence, channel0 + local);
    if (chunk == 0u) {
      publish(params.prefix_base + lane_words, bitcast<u32>(aggregate_a * carry + aggregate_b));
      carry_shared[local] = carry;
    } else {
      publish(params.aggregate_a_base + lane_words + chunk, bitcast<u32>(aggregate_a));
      publish(params.aggregate_b_base + lane_words + chunk, bitcast<u32>(aggregate_b));
      look_base[local] = chunk - 1u;
      atomicStore(&look_stop[local], params.rows << 1u);
      atomicAdd(&pending_shared, 1u);
    }
  }
  if (chunk > 0u) {
    // acc (row 0 of each channel): the composed maps of chunks look_base + 1 … chunk − 1.
    var acc_a = 1.0;
    var acc_b = 0.0;
    var tries = 0u;
    workgroupBarrier();
    loop {
      // a. Poll: a prefix or a missing entry lowers the channel's stop code to (row << 1) | missing. The round
      //    ends (uniformly) once no channel was left looking back by the last one.
      if (local == 0u) { more_shared = atomicExchange(&pending_shared, 0u); }
      if (looks) {
        let base = look_base[lane];
        if (base != DONE && row <= base) {
          // The three loads are independent (one round trip); chunk 0's aggregate words are never written.
          let p = base - row;
          let prefix = atomicLoad(&state[params.prefix_base + lane_words + p]);
          let earlier_a = atomicLoad(&state[params.aggregate_a_base + lane_words + p]);
          let earlier_b = atomicLoad(&state[params.aggregate_b_base + lane_words + p]);
          if (prefix != 0u) {
            tile_shared[WORKGROUP + local] = bitcast<f32>(prefix);
            atomicMin(&look_stop[lane], row << 1u);
          } else if (earlier_a != 0u && earlier_b != 0u) {
            tile_shared[local] = bitcast<f32>(earlier_a);
            tile_shared[WORKGROUP + local] = bitcast<f32>(earlier_b);
          } else {
            atomicMin(&look_stop[lane], (row << 1u) | 1u);
          }
        }
      }
      if (workgroupUniformLoad(&more_shared) == 0u) { break; }
      // b. Ordered tree reduction of slots 0 … stop − 1 into slot 0: slot r (a later chunk) is the outer map of
      //    slot r + h, slots from stop on are neither read nor written (slot stop may hold the prefix).
      var stop = 0u;
      if (looks) { stop = atomicLoad(&look_stop[lane]) >> 1u; }
      for (var h = 1u; h < params.rows; h = h << 1u) {
        if (looks && row % (h << 1u) == 0u && row + h < stop) {
          let inner = local + h * width;
          let outer_a = tile_shared[local];
          tile_shared[WORKGROUP + local] = outer_a * tile_shared[WORKGROUP + inner] + tile_shared[WORKGROUP + local];
          tile_shared[local] = outer_a * tile_shared[inner];
        }
        workgroupBarrier();
      }
      // c. Row 0 absorbs the composed slots; a prefix at the stop ends the channel's look-back, a missing entry
      //    moves the window to it (a poll failed when the window's first entry is missing), a full window of
      //    aggregates moves it a whole window back.
      if (local < channels) {
        let base = look_base[local];
        if (base != DONE) {
          let code = atomicLoad(&look_stop[local]);
          let found = code >> 1u;
          if (found > 0u) {
            acc_b = acc_a * tile_shared[WORKGROUP + local] + acc_b;
            acc_a = acc_a * tile_shared[local];
          }
          if (found < params.rows && (code & 1u) == 0u) {
            carry = acc_a * tile_shared[WORKGROUP + found * width + local] + acc_b;
            publish(params.prefix_base + lane_words + chunk, bitcast<u32>(aggregate_a * carry + aggregate_b));
            carry_shared[local] = carry;
            look_base[local] = DONE;
          } else {
            if (found == 0u) { tries += 1u; }
            if (tries >= params.spin_limit) {
              atomicStore(&failed_shared, 1u);
              publish(params.prefix_base + lane_words + chunk, NAN_BITS);
              carry_shared[local] = carry;
              look_base[local] = DONE;
            } else {
              look_base[local] = base - found;
              atomicAdd(&pending_shared, 1u);
            }
          }
          atomicStore(&look_stop[local], params.rows << 1u);
        }
      }
      workgroupBarrier();
    }
  }
  workgroupBarrier();

  // 6. Apply from the carry, transpose back, store striped.
  let failed = atomicLoad(&failed_shared) != 0u;
  if (in_rows) {
    var value = 0.0;
    if (lane < channels) { value = carry_shared[lane]; }
    if (row > 0u) { value = scan_a[local - width] * value + scan_b[local - width]; }
    for (var k = 0u; k < STEPS; k++) {
      value = slope[k] * value + intercept[k];
      tile_shared[padded((row * STEPS + k) * width + lane)] = bitcast<f32>(select(bitcast<u32>(value), NAN_BITS, failed));
    }
  }
  workgroupBarrier();
  {
    var j = local / width;
    var c = local % width;
    for (var m = 0u; m < STEPS; m++) {
      if (j < count && c < channels) {
        let i = (sequence_base + time_index(first + j, params.length, params.reverse)) * params.dim + channel0 + c;
        x[params.offset_x + i] = tile_shared[padded(local + m * WORKGROUP)];
      }
      j += quotient;
      c += remainder;
      if (c >= width) { c -= width; j += 1u; }
    }
  }
}
`;
}
