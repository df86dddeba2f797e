import { expect, it } from 'vitest';
import { describeWebGpu } from '../src/index.ts';
import { runCompute } from '../src/run-compute.ts';

describeWebGpu('test device', (gpu) => {
  it('runs a real compute shader (y = 2x + 1)', async () => {
    const input = Float32Array.from({ length: 300 }, (_, i) => i * 0.5 - 7);
    const [output] = await runCompute(
      gpu().device,
      /* wgsl */ `
      @group(0) @binding(0) var<storage, read> x: array<f32>;
      @group(0) @binding(1) var<storage, read_write> y: array<f32>;
      @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) {
        if (id.x < arrayLength(&x)) { y[id.x] = 2.0 * x[id.x] + 1.0; }
      }`,
      [
        { data: input, readOnly: true },
        { data: new Float32Array(300), output: true },
      ],
      Math.ceil(300 / 64),
    );
    expect(Array.from(output ?? [])).toEqual(Array.from(input, (v) => 2 * v + 1));
  });
});
