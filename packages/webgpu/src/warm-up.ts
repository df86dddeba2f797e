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

/**
 * Keeps `device` busy with arithmetic for about `milliseconds` (nothing when ≤ 0): dispatches of growing size,
 * each awaited, until the time has passed. Resolves to the seconds it took.
 *
 * @example
 * ```ts
 * await warmUpGpu(device, 200); // then time the phase
 * ```
 */
export async function warmUpGpu(device: GPUDevice, milliseconds: number): Promise<number> {
  const started = performance.now();
  if (!(milliseconds > 0)) return 0;
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
  const most = device.limits.maxComputeWorkgroupsPerDimension;
  let groups = 64;
  while (performance.now() - started < milliseconds) {
    const dispatchStarted = performance.now();
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(spinner.pipeline);
    pass.setBindGroup(0, spinner.group);
    pass.dispatchWorkgroups(groups);
    pass.end();
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    // Dispatches of about 10 ms keep the host's share of the time small.
    if (performance.now() - dispatchStarted < 10) groups = Math.min(most, groups * 2);
  }
  return (performance.now() - started) / 1000;
}
