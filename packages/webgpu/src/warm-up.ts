/**
 * Raising a GPU's clocks before a timed phase. A GPU that idled (while the host generated and uploaded a
 * case's inputs) runs its first milliseconds of work at a low clock; measured on the H200, that made the
 * first timed kernels of a case up to several times slower than the same kernels a moment later. Timings
 * of other implementations (JAX, cuDNN) are taken after warm-up runs; this keeps the GPU busy with
 * arithmetic for a while instead, so that each timed phase starts at the clock steady work runs at.
 *
 * @module
 */

const workgroupSize = 256;

/** WGSL: a chain of vec4 multiply-adds per invocation, its result written so that it is not removed. */
const spinWgsl = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> sink: array<vec4<f32>>;
@compute @workgroup_size(${workgroupSize})
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  var p = vec4<f32>(f32(id.x) * 1e-9);
  let m = vec4<f32>(0.99999);
  let k = vec4<f32>(1e-5);
  for (var i = 0u; i < 1024u; i++) { p = p * m + k; }
  if (p.x == 12345.0) { sink[id.x % 64u] = p; }
}
`;

const spinners = new WeakMap<GPUDevice, { pipeline: GPUComputePipeline; group: GPUBindGroup }>();

/** What {@link warmUpGpu} did: how long it ran and whether the dispatch time had settled when it stopped. */
export interface WarmUp {
  /** Seconds from the call to the end of the last dispatch. */
  readonly seconds: number;
  /** Whether the dispatch time had settled (see {@link steadyDispatchTime}) when it stopped. */
  readonly steady: boolean;
  /** Mean milliseconds per dispatch over the last window and over the fastest window (equal dispatches). */
  readonly lastMs: number;
  readonly fastestMs: number;
}

/** Options of {@link warmUpGpu}. */
export interface WarmUpOptions {
  /** Keep going past `milliseconds` until the dispatch time is steady, for at most this long in all. Default: `milliseconds`. */
  readonly mostMilliseconds?: number;
}

/** Dispatches per window: their mean duration is what the steadiness test compares. */
const steadyWindow = 8;
/** How close (relative) two windows' mean durations must be for a steady clock. */
const steadyTolerance = 0.03;

/**
 * Whether equal dispatches completing at host times `completions` (milliseconds, ascending; the first is the
 * start of the first dispatch) ran at a steady clock: the mean duration over the last window of
 * {@link steadyWindow} dispatches is within 3 % of the fastest window's and no faster than 3 % below the
 * window before it (the clock has stopped rising). Windows, not single gaps: the host may see two completions
 * in one callback, a gap near 0 that says nothing about the GPU.
 *
 * @example
 * ```ts
 * steadyDispatchTime([0, 4, 8, 12, 16, 20, 24, 28, 32, 34, 36, 38, 40, 42, 44, 46, 48]); // { steady: false, … } (still speeding up)
 * ```
 */
export function steadyDispatchTime(completions: readonly number[]): {
  steady: boolean;
  lastMs: number;
  fastestMs: number;
} {
  const windows: number[] = [];
  for (let end = steadyWindow; end < completions.length; end++) {
    windows.push(((completions[end] ?? 0) - (completions[end - steadyWindow] ?? 0)) / steadyWindow);
  }
  const last = windows[windows.length - 1];
  if (last === undefined) return { steady: false, lastMs: 0, fastestMs: 0 };
  const fastest = Math.min(...windows);
  const before = windows[windows.length - 1 - steadyWindow];
  const steady =
    before !== undefined && last <= fastest * (1 + steadyTolerance) && last >= before * (1 - steadyTolerance);
  return { steady, lastMs: last, fastestMs: fastest };
}

/**
 * Keeps `device` busy with arithmetic for at least `milliseconds` (nothing when ≤ 0), the queue never empty
 * (the next dispatch is submitted before the last one is awaited: a GPU that idles between dispatches may
 * not raise its clock), then — up to `mostMilliseconds` — until the dispatch time is steady (see
 * {@link steadyDispatchTime}: the clock has stopped rising). Dispatches take a few milliseconds each once sized.
 *
 * @example
 * ```ts
 * const { steady } = await warmUpGpu(device, 200, { mostMilliseconds: 2000 }); // then time the phase
 * ```
 */
export async function warmUpGpu(
  device: GPUDevice,
  milliseconds: number,
  options: WarmUpOptions = {},
): Promise<WarmUp> {
  const started = performance.now();
  if (!(milliseconds > 0)) return { seconds: 0, steady: false, lastMs: 0, fastestMs: 0 };
  const most = Math.max(milliseconds, options.mostMilliseconds ?? milliseconds);
  let spinner = spinners.get(device);
  if (!spinner) {
    const pipeline = device.createComputePipeline({
      layout: 'auto',
      compute: { module: device.createShaderModule({ code: spinWgsl }), entryPoint: 'main' },
    });
    const sink = device.createBuffer({ size: 64 * 16, usage: GPUBufferUsage.STORAGE });
    const group = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: sink } }],
    });
    spinner = { pipeline, group };
    spinners.set(device, spinner);
  }
  const { pipeline, group } = spinner;
  const submit = (groups: number): Promise<undefined> => {
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(groups);
    pass.end();
    device.queue.submit([encoder.finish()]);
    return device.queue.onSubmittedWorkDone();
  };
  // Size a dispatch to about 2 ms (doubling from a small one), then keep two in flight.
  const largest = device.limits.maxComputeWorkgroupsPerDimension;
  let groups = 64;
  for (;;) {
    const before = performance.now();
    await submit(groups);
    if (performance.now() - before >= 2 || groups >= largest) break;
    groups = Math.min(largest, groups * 2);
  }
  const completions = [performance.now()];
  let pending = submit(groups);
  for (;;) {
    const next = submit(groups);
    await pending;
    const now = performance.now();
    completions.push(now);
    pending = next;
    const { steady, lastMs, fastestMs } = steadyDispatchTime(completions);
    const elapsed = now - started;
    if ((elapsed >= milliseconds && steady) || elapsed >= most) {
      await pending;
      return { seconds: (performance.now() - started) / 1000, steady, lastMs, fastestMs };
    }
  }
}
