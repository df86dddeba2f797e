import { describeWebGpu } from '@elk/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acquireScanScratch,
  type DiagonalScanShape,
  diagonalScanScratchBytes,
  encodeDiagonalScan,
  encodeSinglePassDiagonalScan,
  releaseScanScratch,
  singlePassStateBytes,
} from '../src/affine-diagonal-scan.ts';
import { deviceCapabilities } from '../src/device-capabilities.ts';
import { WebGpuInputError } from '../src/errors.ts';
import { GpuContext } from '../src/gpu-context.ts';
import {
  type SinglePassPlan,
  singlePassHeaderWords,
  singlePassMaxSteps,
  singlePassMostSteps,
  singlePassPlan,
  singlePassScanParams,
  singlePassScanWgsl,
  singlePassSpinLimit,
  singlePassWorkgroupBytes,
} from '../src/kernels/single-pass-diagonal-scan.ts';
import {
  type VectorScanPlan,
  vectorScanHandles,
  vectorScanMaxSteps,
  vectorScanParams,
  vectorScanPlan,
  vectorScanSpinLimit,
  vectorScanWgsl,
  vectorScanWorkgroupBytes,
} from '../src/kernels/single-pass-vector-scan.ts';
import { readFloat32, uploadArray } from '../src/transfer.ts';
import { maxRelativeError, randomArray } from './helpers.ts';

/** What x holds before a scan: a stopped sequence must still hold it afterwards. */
const UNTOUCHED = 12345;

interface Problem {
  batch: number;
  length: number;
  dim: number;
  reverse: boolean;
  a: Float32Array;
  b: Float32Array;
  x0?: Float32Array;
  /** Per sequence: whether it runs (absent: all run, no status buffer bound). */
  running?: boolean[];
}

/**
 * A problem of `shape` with a_t drawn from [aLow, aHigh), b_t and x0 from [−1, 1), from seeds `seed`, seed + 1 and
 * seed + 2.
 */
function randomProblem(
  shape: Omit<Problem, 'a' | 'b' | 'x0'>,
  seed: number,
  [aLow, aHigh]: readonly [number, number] = [-1, 1],
): Problem {
  const { batch, length, dim } = shape;
  const size = batch * length * dim;
  return {
    ...shape,
    a: randomArray(size, seed, aLow, aHigh),
    b: randomArray(size, seed + 1, -1, 1),
    x0: randomArray(batch * dim, seed + 2, -1, 1),
  };
}

/** The kernel a single-pass scan of D channels runs, and its chunk count for `chunk`. */
function kernelFor(batch: number, length: number, dim: number, chunk?: number) {
  const vector = vectorScanHandles(dim);
  return {
    kernel: vector ? ('vec4' as const) : ('scalar' as const),
    chunks: vector
      ? vectorScanPlan(batch, length, dim, chunk).chunks
      : singlePassPlan(batch, length, dim, chunk).chunks,
  };
}

/** The sequential recurrence in float64; stopped sequences keep UNTOUCHED. */
function oracle(problem: Problem): Float64Array {
  const { batch, length, dim, reverse, a, b, x0, running } = problem;
  const out = new Float64Array(batch * length * dim).fill(UNTOUCHED);
  for (let s = 0; s < batch; s++) {
    if (running && !running[s]) continue;
    for (let d = 0; d < dim; d++) {
      let state = x0 ? (x0[s * dim + d] as number) : 0;
      for (let step = 0; step < length; step++) {
        const t = reverse ? length - 1 - step : step;
        const i = (s * length + t) * dim + d;
        state = (a[i] as number) * state + (b[i] as number);
        out[i] = state;
      }
    }
  }
  return out;
}

/** The status words of `running`, `stride` words per sequence (the first one 1 while it runs). */
function statusWords(running: boolean[], stride: number): Uint32Array {
  const words = new Uint32Array(running.length * stride).fill(7);
  running.forEach((on, s) => {
    words[s * stride] = on ? 1 : 0;
  });
  return words;
}

/** An f32 as a published state word: its bits, +0.0 sent as −0.0 (0 means "not yet published"). */
function publishedWord(value: number): number {
  const bits = new Uint32Array(new Float32Array([value]).buffer)[0] as number;
  return bits === 0 ? 0x80000000 : bits;
}

/**
 * The state words of a scan whose chunks before `first` have already run: every chunk 1 … first − 1 has
 * published its aggregate, and per (sequence, channel) only chunk `nearest(s, c)` its (true) prefix; the chunks
 * before that one publish wrong prefixes and aggregates (the look-back must stop at the nearest prefix), and the
 * ticket counter starts at `first`'s first ticket.
 */
function prePublishedState(
  problem: Problem,
  plan: Pick<SinglePassPlan, 'chunk' | 'chunks' | 'tiles'>,
  first: number,
  nearest: (s: number, c: number) => number,
): Uint32Array {
  const { batch, length, dim, reverse, a, b } = problem;
  const published = batch * dim * plan.chunks;
  const words = new Uint32Array(singlePassHeaderWords + 3 * published);
  words[0] = first * batch * plan.tiles;
  const expected = oracle(problem);
  for (let s = 0; s < batch; s++) {
    for (let c = 0; c < dim; c++) {
      const word = (s * dim + c) * plan.chunks;
      const stop = nearest(s, c);
      for (let chunk = 0; chunk < first; chunk++) {
        let slope = 1;
        let intercept = 0;
        let last = 0;
        for (let step = chunk * plan.chunk; step < Math.min(length, (chunk + 1) * plan.chunk); step++) {
          const t = reverse ? length - 1 - step : step;
          const i = (s * length + t) * dim + c;
          slope *= a[i] as number;
          intercept = (a[i] as number) * intercept + (b[i] as number);
          last = i;
        }
        const decoy = chunk < stop;
        if (chunk === stop || decoy) {
          words[singlePassHeaderWords + word + chunk] = publishedWord(
            decoy ? 1e6 : (expected[last] as number),
          );
        }
        if (chunk > 0) {
          words[singlePassHeaderWords + published + word + chunk] = publishedWord(decoy ? 1e3 : slope);
          words[singlePassHeaderWords + 2 * published + word + chunk] = publishedWord(
            decoy ? -1e3 : intercept,
          );
        }
      }
    }
  }
  return words;
}

describeWebGpu('single-pass diagonal affine scan (decoupled look-back)', (gpu) => {
  let context: GpuContext;
  let small: GpuContext;
  beforeAll(() => {
    const { device, adapterInfo } = gpu();
    context = new GpuContext(device, deviceCapabilities(device, adapterInfo), false);
    small = new GpuContext(device, deviceCapabilities(device, adapterInfo), false, 16384);
  });
  afterAll(() => {
    context.pool.destroy();
    small.pool.destroy();
  });

  /**
   * Runs the scan of `problem` through `encodeDiagonalScan` and reads x back; with `kernel`, checks that that
   * single-pass kernel ran (not a fallback).
   */
  async function scan(
    problem: Problem,
    options: {
      chunk?: number;
      variant?: DiagonalScanShape['variant'];
      on?: GpuContext;
      kernel?: 'vec4' | 'scalar';
    } = {},
  ): Promise<Float32Array> {
    const on = options.on ?? context;
    const labels = new Set<string>();
    const dispatch = on.dispatch;
    on.dispatch = function (this: GpuContext, ...args: Parameters<GpuContext['dispatch']>) {
      labels.add(args[1].label);
      return dispatch.apply(this, args);
    };
    const { batch, length, dim, reverse } = problem;
    const size = batch * length * dim;
    const shape = {
      batch,
      length,
      dim,
      reverse,
      chunk: options.chunk,
      variant: options.variant ?? 'single-pass',
    };
    const stride = 3;
    const buffers = {
      a: uploadArray(on, problem.a, 'a'),
      b: uploadArray(on, problem.b, 'b'),
      x: uploadArray(on, new Float32Array(size).fill(UNTOUCHED), 'x'),
      ...(problem.x0 ? { x0: uploadArray(on, problem.x0, 'x0') } : {}),
      ...(problem.running
        ? { running: { buffer: uploadArray(on, statusWords(problem.running, stride), 'status'), stride } }
        : {}),
    };
    const scratch = acquireScanScratch(on, diagonalScanScratchBytes(on, shape));
    try {
      const encoder = on.device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      encodeDiagonalScan(on, pass, buffers, shape, scratch);
      pass.end();
      on.device.queue.submit([encoder.finish()]);
      if (options.kernel) {
        const prefix = options.kernel === 'vec4' ? 'single-pass-scan/vec4/' : 'single-pass-scan/k';
        expect(
          [...labels].some((label) => label.startsWith(prefix)),
          `${options.kernel} kernel`,
        ).toBe(true);
      }
      return await readFloat32(on, buffers.x, size);
    } finally {
      on.dispatch = dispatch;
      releaseScanScratch(on, scratch);
      for (const buffer of [buffers.a, buffers.b, buffers.x, buffers.x0, buffers.running?.buffer]) {
        if (buffer) on.pool.release(buffer);
      }
    }
  }

  it('matches a float64 sequential oracle on random shapes, directions, x0 and stopped sequences', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          batch: fc.integer({ min: 1, max: 5 }),
          length: fc.oneof(
            fc.constant(1),
            fc.integer({ min: 1, max: 100 }),
            fc.integer({ min: 1, max: 3000 }),
          ),
          dim: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 70 })),
          reverse: fc.boolean(),
          withX0: fc.boolean(),
          stopped: fc.option(fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }), { nil: undefined }),
          chunk: fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }),
          seed: fc.integer({ min: 1, max: 1 << 30 }),
        }),
        async ({ batch, length, dim, reverse, withX0, stopped, chunk, seed }) => {
          const size = batch * length * dim;
          const problem: Problem = {
            batch,
            length,
            dim,
            reverse,
            a: randomArray(size, seed, -1.1, 1.1),
            b: randomArray(size, seed + 1, -1, 1),
            ...(withX0 ? { x0: randomArray(batch * dim, seed + 2, -1, 1) } : {}),
            ...(stopped ? { running: stopped.slice(0, batch).map((off) => !off) } : {}),
          };
          const actual = await scan(problem, { chunk });
          expect(maxRelativeError(actual, oracle(problem))).toBeLessThan(1e-4);
        },
      ),
      { seed: 7207, numRuns: 150 },
    );
  });

  it('publishes exact zeros (b = 0: every prefix and aggregate B is +0.0, sent as −0.0)', async () => {
    const batch = 2;
    const length = 5000;
    const dim = 3;
    const size = batch * length * dim;
    for (const reverse of [false, true]) {
      const problem: Problem = {
        batch,
        length,
        dim,
        reverse,
        a: randomArray(size, 61, -1, 1),
        b: new Float32Array(size),
      };
      const actual = await scan(problem, { chunk: 1 });
      expect(actual.every((value) => value === 0)).toBe(true);
    }
  });

  it('scans channel tiles when D exceeds the workgroup (D = 302, 513: the scalar kernel)', async () => {
    for (const [dim, reverse] of [
      [302, false],
      [513, true],
    ] as const) {
      const batch = 2;
      const length = 45;
      const problem = randomProblem({ batch, length, dim, reverse, running: [true, true] }, dim);
      expect(singlePassPlan(batch, length, dim, 4).tiles).toBeGreaterThan(1);
      for (const chunk of [undefined, 4]) {
        const actual = await scan(problem, { chunk, kernel: 'scalar' });
        expect(maxRelativeError(actual, oracle(problem))).toBeLessThan(1e-4);
      }
    }
  });

  it('looks back across hundreds to thousands of chunks (B = 2, T = 200 000, D = 3 scalar, D = 4 vec4)', async () => {
    const batch = 2;
    const length = 200_000;
    for (const dim of [3, 4]) {
      const size = batch * length * dim;
      const b = randomArray(size, 32, -1, 1);
      const x0 = randomArray(batch * dim, 33, -1, 1);
      // a close to 1 carries every chunk's state far down the sequence; a = 1 makes x a running sum of b, where
      // every chunk before counts (a chunk of 64 steps left out moves x by ~5, |x| ~ 300) and f32 sums of 2·10⁵
      // terms err by ~3·10⁻⁴ relative (as much in the three-pass scan).
      const problems: [Problem, number][] = [
        [{ batch, length, dim, reverse: false, a: randomArray(size, 31, 0.99, 1), b, x0 }, 1e-4],
        [{ batch, length, dim, reverse: true, a: new Float32Array(size).fill(1), b }, 1e-3],
      ];
      expect(vectorScanHandles(dim)).toBe(dim === 4);
      for (const [problem, tolerance] of problems) {
        const expected = oracle(problem);
        for (const chunk of [undefined, 1]) {
          const { kernel, chunks } = kernelFor(batch, length, dim, chunk);
          expect(chunks).toBeGreaterThanOrEqual(chunk === 1 ? 780 : 390);
          const actual = await scan(problem, { chunk, kernel });
          expect(maxRelativeError(actual, expected), `D = ${dim}`).toBeLessThan(tolerance);
        }
      }
    }
  });

  it('scans vec4 quads in every workgroup shape (D = 12 and 300 leave invocations idle, D = 1024: one group)', async () => {
    const batch = 3;
    for (const [dim, length, reverse] of [
      [4, 3000, false],
      [12, 2000, true],
      [300, 97, false],
      [1024, 37, true],
    ] as const) {
      const running = [true, false, true];
      const problem = randomProblem({ batch, length, dim, reverse, running }, dim + 90, [-1.05, 1.05]);
      expect(vectorScanHandles(dim)).toBe(true);
      for (const chunk of [undefined, 1, 7 * vectorScanPlan(batch, length, dim).groups]) {
        const plan = vectorScanPlan(batch, length, dim, chunk);
        if (chunk === 1) expect(plan.steps).toBe(1);
        const actual = await scan(problem, { chunk, kernel: 'vec4' });
        expect(maxRelativeError(actual, oracle(problem)), `D = ${dim}, chunk ${chunk}`).toBeLessThan(1e-4);
      }
    }
    expect(vectorScanHandles(1028)).toBe(false);
    expect(vectorScanHandles(6)).toBe(false);
  });

  it('splits arrays beyond the storage binding limit into windows of whole sequences (scalar and vec4)', async () => {
    const batch = 5;
    const length = 37;
    // D = 39: the scalar kernel (16 KiB bindings hold two sequences of 5772 bytes: three windows); D = 100: the
    // vec4 kernel (one sequence of 14 800 bytes per window: five windows). Each window holds several chunks.
    for (const dim of [39, 100]) {
      const shape = { batch, length, dim, variant: 'single-pass' as const, chunk: 4 };
      expect(small.sequenceWindows(batch, [length * dim * 4], 'a').length).toBeGreaterThan(2);
      const { kernel, chunks } = kernelFor(batch, length, dim, 4);
      expect(chunks, `D = ${dim}`).toBeGreaterThan(3);
      expect(singlePassStateBytes(small, shape)).toBeLessThan(16384);
      for (const reverse of [false, true]) {
        const running = [true, false, true, true, reverse];
        const problem = randomProblem({ batch, length, dim, reverse, running }, 7);
        const actual = await scan(problem, { chunk: 4, on: small, kernel });
        expect(maxRelativeError(actual, oracle(problem)), `D = ${dim}`).toBeLessThan(1e-4);
      }
    }
  });

  it('records the three passes in parts only where one window holds the arrays', async () => {
    const batch = 5;
    const length = 37;
    const dim = 40;
    const size = batch * length * dim;
    const shape = { batch, length, dim };
    const a = uploadArray(small, randomArray(size, 3, -1, 1), 'a');
    const b = uploadArray(small, randomArray(size, 4, -1, 1), 'b');
    const x = uploadArray(small, new Float32Array(size), 'x');
    const scratch = acquireScanScratch(small, diagonalScanScratchBytes(small, shape));
    const encoder = small.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    try {
      // Three windows of whole sequences at 16 KiB: their prefixes would share the scratch.
      expect(small.sequenceWindows(batch, [length * dim * 4], 'a').length).toBeGreaterThan(1);
      for (const parts of ['prefixes', 'apply'] as const) {
        expect(() => encodeDiagonalScan(small, pass, { a, b, x }, shape, scratch, parts)).toThrow(
          WebGpuInputError,
        );
      }
    } finally {
      pass.end();
      encoder.finish();
      releaseScanScratch(small, scratch);
      for (const buffer of [a, b, x]) small.pool.release(buffer);
    }
  });

  it('declines on too little scratch, and encodeDiagonalScan then runs the three passes', async () => {
    const batch = 2;
    const length = 500;
    const dim = 64;
    const size = batch * length * dim;
    const problem: Problem = {
      batch,
      length,
      dim,
      reverse: false,
      a: randomArray(size, 41, -1, 1),
      b: randomArray(size, 42, -1, 1),
    };
    const shape = { batch, length, dim, variant: 'single-pass' as const, chunk: 500 };
    // Scratch sized for the three passes only (one chunk of 500 steps): less than the single pass's state.
    const bytes = diagonalScanScratchBytes(context, { ...shape, variant: 'three-pass' });
    const scratch = acquireScanScratch(context, bytes);
    expect(scratch.aggregates.size).toBeLessThan(singlePassStateBytes(context, shape));
    const a = uploadArray(context, problem.a, 'a');
    const b = uploadArray(context, problem.b, 'b');
    const x = uploadArray(context, new Float32Array(size), 'x');
    try {
      const encoder = context.device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      expect(encodeSinglePassDiagonalScan(context, pass, { a, b, x }, shape, scratch.aggregates)).toBe(false);
      encodeDiagonalScan(context, pass, { a, b, x }, shape, scratch);
      pass.end();
      context.device.queue.submit([encoder.finish()]);
      const actual = await readFloat32(context, x, size);
      expect(maxRelativeError(actual, oracle(problem))).toBeLessThan(1e-4);
    } finally {
      releaseScanScratch(context, scratch);
      for (const buffer of [a, b, x]) context.pool.release(buffer);
    }
  });

  /**
   * Dispatches the scan kernel of `plan` — the scalar kernel, or the vec4 one for a {@link VectorScanPlan} —
   * (chunks × batch × tiles workgroups, forward or reverse as `problem`, with its x0) on the given state words,
   * without the clear, and reads x back (UNTOUCHED where not written).
   */
  async function runOnState(
    problem: Problem,
    plan: SinglePassPlan | VectorScanPlan,
    words: Uint32Array,
    spinLimit: number,
  ): Promise<Float32Array> {
    const { batch, length, dim, reverse } = problem;
    const size = batch * length * dim;
    const published = batch * dim * plan.chunks;
    const a = uploadArray(context, problem.a, 'a');
    const b = uploadArray(context, problem.b, 'b');
    const x = uploadArray(context, new Float32Array(size).fill(UNTOUCHED), 'x');
    const x0 = uploadArray(context, problem.x0 ?? new Float32Array(4), 'x0');
    const state = uploadArray(context, words, 'state');
    try {
      const common = {
        batch,
        length,
        dim,
        chunks: plan.chunks,
        reverse: reverse ? 1 : 0,
        has_initial: problem.x0 ? 1 : 0,
        spin_limit: spinLimit,
        prefix_base: singlePassHeaderWords,
        aggregate_a_base: singlePassHeaderWords + published,
        aggregate_b_base: singlePassHeaderWords + 2 * published,
      };
      const vector = 'quads' in plan;
      const pipeline = vector
        ? context.pipeline(`single-pass-scan/vec4/d${dim}/k${plan.steps}`, () =>
            vectorScanWgsl(dim, plan.steps),
          )
        : context.pipeline(`single-pass-scan/k${plan.steps}`, () => singlePassScanWgsl(plan.steps));
      const params = vector
        ? vectorScanParams.pack(common)
        : singlePassScanParams.pack({
            ...common,
            width: plan.width,
            tiles: plan.tiles,
            rows: plan.rows,
            chunk: plan.chunk,
          });
      const tiles = vector ? 1 : plan.tiles;
      const encoder = context.device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      context.dispatch(
        pass,
        pipeline,
        params,
        [{ buffer: a }, { buffer: b }, { buffer: x }, { buffer: x0 }, { buffer: state }],
        plan.chunks * batch * tiles,
      );
      pass.end();
      context.device.queue.submit([encoder.finish()]);
      return await readFloat32(context, x, size);
    } finally {
      for (const buffer of [a, b, x, x0, state]) context.pool.release(buffer);
    }
  }

  type Kernel = 'scalar' | 'vec4';

  /** The plan of `kernel` (with K = ⌊chunk / rows or groups⌋), its channel tiles and its spin bound here. */
  function kernelPlan(kernel: Kernel, batch: number, length: number, dim: number, chunk?: number) {
    const hardware = !context.capabilities.software;
    if (kernel === 'vec4') {
      const plan = vectorScanPlan(batch, length, dim, chunk);
      const spinLimit = hardware ? vectorScanSpinLimit.hardware : vectorScanSpinLimit.software;
      return { plan, positions: plan.groups, tiles: 1, spinLimit };
    }
    const plan = singlePassPlan(batch, length, dim, chunk);
    const spinLimit = hardware ? singlePassSpinLimit.hardware : singlePassSpinLimit.software;
    return { plan, positions: plan.rows, tiles: plan.tiles, spinLimit };
  }

  it('looks back over several windows to the nearest published prefix, composing aggregates in order', async () => {
    // The chunks before `first` have "run" (their state words are written by the test); each channel's nearest
    // prefix lies 120–150 chunks back, a different number of windows per channel (scalar kernel: rows = 256, 51,
    // 32, 10, 2, 1 — one round at D = 1, up to 150 at D = 300; vec4 kernel: windows of 4, 30–38 rounds; D = 5,
    // 12, 24, 100 and 300 leave invocations idle), with wrong prefixes and aggregates beyond it.
    // a = ±(1 ± 0.005) keeps every chunk's contribution (and the order of the non-commuting maps) visible in x.
    // The vec4 kernel's chunks of 128–256 steps (D = 4, 8) make sequences of 23 039–46 079 steps: f32 rounding
    // alone reaches ~1e-4 relative there (a misplaced or missing chunk would show as errors of order 1).
    const batch = 2;
    const first = 150;
    for (const [kernel, dim, reverse] of [
      ['scalar', 1, false],
      ['scalar', 5, true],
      ['scalar', 8, false],
      ['scalar', 24, true],
      ['scalar', 100, false],
      ['scalar', 300, true],
      ['vec4', 4, false],
      ['vec4', 8, true],
      ['vec4', 12, false],
      ['vec4', 64, true],
      ['vec4', 300, false],
    ] as const) {
      // K = 1: chunks of `positions` steps, the last one short (when it can be).
      const { positions } = kernelPlan(kernel, batch, 1, dim);
      const length = positions * 180 - (positions > 1 ? 1 : 0);
      const { plan, tiles, spinLimit } = kernelPlan(kernel, batch, length, dim, positions);
      expect([plan.steps, plan.chunks]).toEqual([1, 180]);
      const size = batch * length * dim;
      const seed = dim + (kernel === 'vec4' ? 170 : 70);
      const signs = randomArray(size, seed, -1, 1);
      const a = randomArray(size, seed + 1, 0.995, 1.005).map((value, i) =>
        (signs[i] as number) < 0 ? -value : value,
      );
      const problem: Problem = {
        batch,
        length,
        dim,
        reverse,
        a,
        b: randomArray(size, seed + 2, -1, 1),
        x0: randomArray(batch * dim, seed + 3, -1, 1),
      };
      const nearest = (s: number, c: number) => (s * 7 + c * 13) % 31;
      const words = prePublishedState(problem, { ...plan, tiles }, first, nearest);
      const actual = await runOnState(problem, plan, words, spinLimit);
      const expected = oracle(problem);
      for (let s = 0; s < batch; s++) {
        for (let step = 0; step < length; step++) {
          const t = reverse ? length - 1 - step : step;
          const row = (s * length + t) * dim;
          if (step < first * plan.chunk) expected.fill(UNTOUCHED, row, row + dim);
        }
      }
      const tolerance = kernel === 'vec4' && length > 10_000 ? 5e-4 : 1e-4;
      expect(maxRelativeError(actual, expected), `${kernel} D = ${dim}`).toBeLessThan(tolerance);
    }
  });

  it('gives up a look-back whose predecessor never runs: NaN outputs instead of a hang', async () => {
    // The counter starts at 1, so ticket 0 (chunk 0 of sequence 0) is never handed out: sequence 0's later
    // chunks wait on a prefix nobody publishes, spin `spin_limit` times, then write NaN. With 16 chunks of
    // D = 64 (windows of 4) the last ones first compose aggregates over several windows.
    const batch = 2;
    const dim = 64;
    for (const [kernel, length, spinLimit] of [
      ['scalar', 16, 10_000],
      ['scalar', 64, 2_000],
      ['vec4', 48, 10_000],
      ['vec4', 160, 2_000],
    ] as const) {
      const size = batch * length * dim;
      const { plan } = kernelPlan(kernel, batch, length, dim, 1);
      expect(plan.chunks).toBeGreaterThan(kernel === 'vec4' ? 2 : 1);
      const words = new Uint32Array(singlePassHeaderWords + 3 * batch * dim * plan.chunks);
      words[0] = 1;
      const seed = kernel === 'vec4' ? 151 : 51;
      const problem: Problem = {
        batch,
        length,
        dim,
        reverse: false,
        a: randomArray(size, seed, -1, 1),
        b: randomArray(size, seed + 1, -1, 1),
      };
      const actual = await runOnState(problem, plan, words, spinLimit);
      const perSequence = length * dim;
      const firstChunk = actual.subarray(0, plan.chunk * dim);
      const laterChunks = actual.subarray(plan.chunk * dim, perSequence);
      expect(
        firstChunk.every((value) => value === UNTOUCHED),
        kernel,
      ).toBe(true);
      expect(
        laterChunks.every((value) => Number.isNaN(value)),
        kernel,
      ).toBe(true);
      const expected = oracle({
        batch: 1,
        length,
        dim,
        reverse: false,
        a: problem.a.subarray(perSequence),
        b: problem.b.subarray(perSequence),
      });
      expect(maxRelativeError(actual.subarray(perSequence), expected), kernel).toBeLessThan(1e-4);
    }
  });

  it('scans long sequences in small chunks (D = 5 scalar, D = 12 and 24 vec4; D = 5 and 12 leave invocations idle)', async () => {
    const batch = 3;
    const length = 20_000;
    for (const [dim, reverse] of [
      [5, false],
      [12, true],
      [24, false],
    ] as const) {
      const running = [true, false, true];
      const problem = randomProblem({ batch, length, dim, reverse, running }, dim + 80, [0.9, 1.05]);
      const { kernel, chunks } = kernelFor(batch, length, dim, 1);
      expect(chunks).toBeGreaterThan(200);
      const actual = await scan(problem, { chunk: 1, kernel });
      expect(maxRelativeError(actual, oracle(problem)), `D = ${dim}`).toBeLessThan(1e-4);
    }
  });
});

describe('single-pass plan on a device', () => {
  it('takes the longest chunks whose workgroup memory fits the device', () => {
    // WebGPU's default 16 KiB, the H200's 48 KiB, and a device too small for any.
    for (const storage of [16384, 32768, 49152]) {
      const most = singlePassMostSteps(storage);
      expect(singlePassWorkgroupBytes(most)).toBeLessThanOrEqual(storage);
      if (most < singlePassMaxSteps) expect(singlePassWorkgroupBytes(most + 1)).toBeGreaterThan(storage);
      // A long scan takes all of them (B = 16, T = 10^6, D = 8), never more.
      expect(singlePassPlan(16, 1_000_000, 8, undefined, most).steps).toBe(most);
    }
    expect(singlePassMostSteps(49152)).toBe(singlePassMaxSteps);
    expect(singlePassMostSteps(1024)).toBe(0);
  });
});

describe('vec4 single-pass plan', () => {
  it('splits D into quads and the workgroup into groups of K steps, K from the length or the wish', () => {
    // About 1024 workgroups: 64 chunks per sequence at B = 16.
    expect(vectorScanPlan(16, 100_000, 8)).toEqual({
      quads: 2,
      groups: 128,
      steps: 13,
      chunk: 1664,
      chunks: 61,
    });
    // Long scans take the most steps; a wish picks K = ⌊chunk / groups⌋ within [1, most].
    expect(vectorScanPlan(16, 1_000_000, 8).steps).toBe(vectorScanMaxSteps);
    expect(vectorScanPlan(16, 1_000_000, 64, 10_000).steps).toBe(vectorScanMaxSteps);
    expect(vectorScanPlan(2, 1000, 12, 1)).toEqual({ quads: 3, groups: 85, steps: 1, chunk: 85, chunks: 12 });
    expect(vectorScanPlan(1, 10, 1024)).toEqual({ quads: 256, groups: 1, steps: 1, chunk: 1, chunks: 10 });
    expect(vectorScanPlan(4, 5000, 4, 1000).steps).toBe(3);
    // Within WebGPU's default 16 KiB of workgroup memory at every D the kernel takes.
    expect(vectorScanWorkgroupBytes(1024)).toBeLessThanOrEqual(16384);
  });
});
