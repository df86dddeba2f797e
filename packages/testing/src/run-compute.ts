/** One storage binding of {@link runCompute}: its data, and whether to read it back. */
export interface ComputeBinding {
  data: Float32Array | Uint32Array | Int32Array;
  /** Read the buffer back after the dispatch (default false). */
  output?: boolean;
  /** Bind as `read-only-storage` (default: `storage`). */
  readOnly?: boolean;
}

/**
 * Runs one compute shader (`@group(0)`, bindings in order) once and reads back the output bindings.
 * For tests of small WGSL pieces; not a performance path.
 */
export async function runCompute(
  device: GPUDevice,
  code: string,
  bindings: ComputeBinding[],
  workgroups: number | [number, number, number],
  entryPoint = 'main',
): Promise<Float32Array[]> {
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length > 0) {
    throw new Error(
      `WGSL compilation failed:\n${errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('\n')}\n${code}`,
    );
  }
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint } });
  const buffers = bindings.map((binding) => {
    const size = Math.max(16, Math.ceil(binding.data.byteLength / 4) * 4);
    const buffer = device.createBuffer({
      size,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    device.queue.writeBuffer(
      buffer,
      0,
      binding.data.buffer,
      binding.data.byteOffset,
      binding.data.byteLength,
    );
    return buffer;
  });
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  const [x, y, z] = typeof workgroups === 'number' ? [workgroups, 1, 1] : workgroups;
  pass.dispatchWorkgroups(x, y, z);
  pass.end();
  const readbacks: { buffer: GPUBuffer; length: number }[] = [];
  bindings.forEach((binding, index) => {
    const source = buffers[index];
    if (!binding.output || !source) return;
    const buffer = device.createBuffer({
      size: source.size,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    encoder.copyBufferToBuffer(source, 0, buffer, 0, source.size);
    readbacks.push({ buffer, length: binding.data.length });
  });
  device.queue.submit([encoder.finish()]);
  const error = await device.popErrorScope();
  if (error) throw new Error(`WebGPU validation error: ${error.message}`);
  const results: Float32Array[] = [];
  for (const { buffer, length } of readbacks) {
    await buffer.mapAsync(GPUMapMode.READ);
    results.push(new Float32Array(buffer.getMappedRange().slice(0, length * 4)));
    buffer.unmap();
    buffer.destroy();
  }
  for (const buffer of buffers) buffer.destroy();
  return results;
}
