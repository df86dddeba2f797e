// What the kernel probes share: the GPU (dawn.node from DAWN_NODE, else the `webgpu` package), a device with
// the adapter's largest buffers and workgroups, and passes timed by timestamp queries.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * The high-performance adapter of a GPU created with dawn.node's `options` (exits when it has no timestamp
 * queries: the probes time passes by them). The GPU instance stays reachable until the process exits:
 * dawn.node aborts when one is collected while its device is in use.
 */
export async function probeAdapter(options) {
  const dawn = process.env.DAWN_NODE ? require(process.env.DAWN_NODE) : await import('webgpu');
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create(options);
  process.on('exit', () => gpu);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter?.features.has('timestamp-query')) {
    console.log('this adapter has no timestamp queries: the probe times passes by them');
    process.exit(1);
  }
  return adapter;
}

/** A device with `features` and timestamp queries, and the adapter's buffer and workgroup limits. */
export function probeDevice(adapter, features = []) {
  const limit = (name) => adapter.limits[name];
  return adapter.requestDevice({
    requiredFeatures: [...features, 'timestamp-query'],
    requiredLimits: Object.fromEntries(
      [
        'maxBufferSize',
        'maxStorageBufferBindingSize',
        'maxComputeWorkgroupStorageSize',
        'maxComputeInvocationsPerWorkgroup',
        'maxComputeWorkgroupSizeX',
      ].map((name) => [name, limit(name)]),
    ),
  });
}

/**
 * A compute pipeline of `code` (entry point `main`) with `buffers` bound at their binding numbers in group 0,
 * or undefined (the error printed under `name`) when the device rejects it.
 */
export async function probePipeline(device, name, code, buffers) {
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code });
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const error = await device.popErrorScope();
  if (error) {
    console.log(name, 'error', error.message);
    return undefined;
  }
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: buffers.map(([binding, buffer]) => ({ binding, resource: { buffer } })),
  });
  return { pipeline, bindGroup };
}

/**
 * Milliseconds of `repeats` passes of `workgroups` workgroups of `pipeline` (a 2-D grid past 65 535), each
 * timed by its timestamps and read back before the next: sorted, fastest first.
 */
export async function timePasses(device, { pipeline, bindGroup }, workgroups, repeats) {
  const querySet = device.createQuerySet({ type: 'timestamp', count: 2 });
  const resolved = device.createBuffer({
    size: 16,
    usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
  });
  const stamps = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const across = Math.min(workgroups, 65535);
  const times = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass({
      timestampWrites: { querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 },
    });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(across, Math.ceil(workgroups / across));
    pass.end();
    encoder.resolveQuerySet(querySet, 0, 2, resolved, 0);
    encoder.copyBufferToBuffer(resolved, 0, stamps, 0, 16);
    device.queue.submit([encoder.finish()]);
    await stamps.mapAsync(GPUMapMode.READ);
    const [begin, end] = new BigInt64Array(stamps.getMappedRange().slice(0));
    stamps.unmap();
    times.push(Number(end - begin) / 1e6);
  }
  querySet.destroy();
  resolved.destroy();
  stamps.destroy();
  return times.sort((a, b) => a - b);
}
