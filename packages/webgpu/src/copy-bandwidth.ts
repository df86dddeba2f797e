/**
 * The reference for bandwidth figures: a vec4 grid-stride copy kernel, timed by {@link measure}.
 *
 * @module
 */

import { storageUsage } from './gpu-constants.ts';
import type { GpuContext } from './gpu-context.ts';
import { type Measurement, type MeasureOptions, measure } from './measure.ts';
import { uniformLayout } from './uniform-layout.ts';

const copyParams = uniformLayout([['count', 'u32']] as const);
const copyWorkgroup = 256;
/** Workgroups of the grid-stride copy (each invocation then copies count / (workgroups × 256) vec4). */
const copyWorkgroups = 65535;

function copyWgsl(): string {
  return /* wgsl */ `${copyParams.wgsl}
@group(0) @binding(1) var<storage, read> source: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> destination: array<vec4<f32>>;

@compute @workgroup_size(${copyWorkgroup})
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>) {
  let stride = workgroups.x * ${copyWorkgroup}u;
  for (var i = id.x; i < params.count; i += stride) {
    destination[i] = source[i];
  }
}
`;
}

/** Options of {@link copyBandwidthOnGpu}. */
export interface CopyBandwidthOptions extends MeasureOptions {
  /** Bytes copied per run (rounded down to 16; default 256 MiB, capped at the binding limit). */
  bytes?: number;
}

/** The copy kernel's figure: bytes read + written per second. */
export interface CopyBandwidth {
  /** Bytes copied per run (each is read once and written once). */
  readonly bytes: number;
  readonly measurement: Measurement;
  /** 2 × bytes / median time, bytes per second. */
  readonly bytesPerSecond: number;
}

/** Times the vec4 grid-stride copy of `bytes` between two pooled buffers. */
export async function copyBandwidthOnGpu(
  context: GpuContext,
  options: CopyBandwidthOptions = {},
): Promise<CopyBandwidth> {
  const limit = Math.floor(context.maxBindingBytes / 16) * 16;
  const bytes = Math.max(16, Math.min(limit, Math.floor((options.bytes ?? 256 * 1024 * 1024) / 16) * 16));
  const pipeline = context.pipeline('copy/vec4', copyWgsl);
  const source = context.pool.acquire(bytes, storageUsage, 'copy-source');
  const destination = context.pool.acquire(bytes, storageUsage, 'copy-destination');
  try {
    const count = bytes / 16;
    const groups = Math.min(copyWorkgroups, Math.ceil(count / copyWorkgroup));
    const measurement = await measure(
      context.device,
      (encoder) => {
        const pass = encoder.beginComputePass();
        context.dispatch(
          pass,
          pipeline,
          copyParams.pack({ count }),
          // Bind exactly `bytes`: the pool rounds buffers up, past the binding limit near it.
          [
            { buffer: source, size: bytes },
            { buffer: destination, size: bytes },
          ],
          groups,
        );
        pass.end();
      },
      options,
    );
    return { bytes, measurement, bytesPerSecond: (2 * bytes) / (measurement.medianMs / 1000) };
  } finally {
    context.pool.release(source);
    context.pool.release(destination);
  }
}
