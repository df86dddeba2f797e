import { median } from '../analysis/timing.ts';

/** Workgroups of the grid-stride copy: enough to fill a large GPU, well under the 65 535 per dimension. */
const COPY_WORKGROUPS = 8_192;
const COPY_WORKGROUP_SIZE = 256;

const COPY_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> source: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> destination: array<vec4<f32>>;

@compute @workgroup_size(${COPY_WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let stride = groups.x * ${COPY_WORKGROUP_SIZE}u;
  let count = arrayLength(&destination);
  for (var i = id.x; i < count; i += stride) {
    destination[i] = source[i];
  }
}
`;

/** A timed GPU kernel: median seconds per run, and the bytes it must move per run. */
export interface GpuTiming {
  seconds: number;
  bytes: number;
  bytesPerSecond: number;
  /** Per-batch medians (seconds per run). */
  samples: number[];
}

/**
 * Times `encode` on the device: `repeats` batches of `runsPerBatch` runs, each batch one submission timed
 * from submit to `onSubmittedWorkDone` on the host (many runs in flight, so the round trip is amortised);
 * one warm-up batch first. Reports the median seconds per run.
 */
export async function timeGpu(
  device: GPUDevice,
  encode: (pass: GPUComputePassEncoder) => void,
  bytes: number,
  repeats: number,
  runsPerBatch: number,
): Promise<GpuTiming> {
  const batch = async () => {
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (let i = 0; i < runsPerBatch; i++) encode(pass);
    pass.end();
    const started = performance.now();
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    return (performance.now() - started) / 1000 / runsPerBatch;
  };
  await batch();
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) samples.push(await batch());
  const seconds = median(samples);
  return { seconds, bytes, bytesPerSecond: bytes / seconds, samples };
}

/**
 * Measures the device's copy bandwidth with a vec4 grid-stride copy kernel of `elements` f32 values
 * (bytes counted: read + written). The arrays are clamped to one storage binding.
 *
 * @example
 * ```ts
 * const { bytesPerSecond } = await measureCopyBandwidth(device, 1e8, 5);
 * ```
 */
export async function measureCopyBandwidth(
  device: GPUDevice,
  elements: number,
  repeats: number,
): Promise<GpuTiming & { elements: number }> {
  const maxElements = Math.floor(device.limits.maxStorageBufferBindingSize / 16) * 4;
  const count = Math.max(4, Math.min(maxElements, Math.ceil(elements / 4) * 4));
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
  const source = device.createBuffer({ size: count * 4, usage });
  const target = device.createBuffer({ size: count * 4, usage });
  try {
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ code: COPY_WGSL });
    const pipeline = device.createComputePipeline({
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
    });
    const group = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: source } },
        { binding: 1, resource: { buffer: target } },
      ],
    });
    const error = await device.popErrorScope();
    if (error) throw new Error(`copy kernel: ${error.message}`);
    const workgroups = Math.min(COPY_WORKGROUPS, Math.ceil(count / 4 / COPY_WORKGROUP_SIZE));
    const runsPerBatch = Math.max(1, Math.min(50, Math.round(2e9 / (count * 8))));
    const timing = await timeGpu(
      device,
      (pass) => {
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, group);
        pass.dispatchWorkgroups(workgroups);
      },
      count * 8,
      repeats,
      runsPerBatch,
    );
    return { ...timing, elements: count };
  } finally {
    source.destroy();
    target.destroy();
  }
}
