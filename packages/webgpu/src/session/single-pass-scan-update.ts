/**
 * `update` fused into the vec4 single-pass scan of `solveAffine('diagonal')` (no trust region, step criterion):
 * where the scan makes each vec4 of the candidate it resets it, writes it, measures the step from the old iterate
 * and writes the new iterate — one dispatch (after the scan's clear) instead of the scan and `update`'s element
 * pass, and per element 20 bytes (a, b, the old iterate read; the candidate and the iterate written) instead of
 * 12 + 16. Each workgroup leaves one partial (step, –, max |s| before, max |s| after, flags) for its chunk of one
 * sequence, which `finish-update` folds.
 *
 * @module
 */

import {
  type DiagonalScanShape,
  encodeSinglePassDiagonalScan,
  type SinglePassEpilogue,
  singlePassEpilogueFits,
} from '../affine-diagonal-scan.ts';
import { WebGpuExecutionError } from '../errors.ts';
import {
  vectorScanFields,
  vectorScanPlan,
  vectorScanWorkgroupSize,
} from '../kernels/single-pass-vector-scan.ts';
import { uniformLayout } from '../uniform-layout.ts';
import { updateInScanFields, updateInScanValues } from './scan-update-kernels.ts';
import {
  partialReductionWgsl,
  partialWords,
  type SessionParamValues,
  sequenceStateWgsl,
  sequenceStateWords,
} from './session-layout.ts';
import type { SessionView } from './session-view.ts';
import { finishUpdate } from './update-encoder.ts';
import { resetWgsl } from './update-kernels.ts';

/** Uniform block of the fused kernel: the vec4 scan's fields, then the iterate's offset and `update`'s options. */
const scanUpdateParams = uniformLayout([...vectorScanFields, ...updateInScanFields] as const);

/** Workgroup memory of the partials' reduction (one 20-byte partial per invocation). */
const reductionBytes = vectorScanWorkgroupSize * partialWords * 4;

const lanes = ['x', 'y', 'z', 'w'] as const;

/** The WGSL parts that replace the scan's store (see `VectorScanEpilogue`). */
const scanUpdateKernel = {
  key: 'update',
  paramsWgsl: scanUpdateParams.wgsl,
  declarations: /* wgsl */ `${sequenceStateWgsl}
${resetWgsl}
${partialReductionWgsl(vectorScanWorkgroupSize, true)}
@group(0) @binding(7) var<storage, read_write> iterate: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> partials: array<Partial>;

fn largest(v: vec4<f32>) -> f32 {
  return max(max(v.x, v.y), max(v.z, v.w));
}`,
  // A look-back that gave up shows as a non-finite step (the reset would otherwise hide its NaNs).
  begin: '  var partial = Partial(0.0, 0.0, 0.0, 0.0, select(0u, FLAG_NOT_FINITE, failed));',
  store: (index: string, value: string) => /* wgsl */ `
      let at = ${index};
      let old = iterate[(params.offset_iterate >> 2u) + at];
      let candidate = vec4<f32>(${lanes.map((lane) => `reset_value(${value}.${lane}, &partial.flags)`).join(', ')});
      x[(params.offset_x >> 2u) + at] = candidate;
      let difference = abs(candidate - old);
      ${lanes
        .map(
          (lane) =>
            `if (is_nan(difference.${lane})) { partial.flags = partial.flags | FLAG_NOT_FINITE; } else { partial.first = max(partial.first, difference.${lane}); }`,
        )
        .join('\n      ')}
      partial.third = max(partial.third, largest(abs(old)));
      let next = select(old + params.damping * (candidate - old), candidate, params.damping == 1.0);
      iterate[(params.offset_iterate >> 2u) + at] = next;
      partial.fourth = max(partial.fourth, largest(abs(next)));`,
  end: /* wgsl */ `  let total = reduce_partials(local, partial);
  if (local == 0u) { partials[(params.batch_base + sequence) * params.chunks + chunk] = total; }`,
};

function scanShape(session: SessionView): DiagonalScanShape {
  const { batch, length, stateSize: dim } = session;
  return { batch, length, dim, reverse: false, variant: 'single-pass' };
}

/**
 * Whether a session can fuse `update` into its single-pass scan: the vec4 kernel runs its D, with the
 * epilogue's two arrays and workgroup memory, and every array fits one window.
 */
export function singlePassScanUpdateFits(session: SessionView): boolean {
  return singlePassEpilogueFits(session.context, scanShape(session), 2, reductionBytes);
}

/**
 * Records the single-pass scan with `update` fused and `finish-update` over its per-chunk partials (with
 * `merit`, folding the last `linearize`'s merit first). The caller checked {@link singlePassScanUpdateFits}.
 */
export function encodeSinglePassScanUpdate(
  session: SessionView,
  values: SessionParamValues,
  merit: boolean,
): void {
  const { context, batch, length, stateSize: dim } = session;
  const shape = scanShape(session);
  const { chunks } = vectorScanPlan(batch, length, dim);
  const partials = session.buffers.lazy('scanPartials', batch * chunks * partialWords * 4);
  const epilogue: SinglePassEpilogue = {
    kernel: scanUpdateKernel,
    pack: (scan) => scanUpdateParams.pack({ ...scan, ...updateInScanValues(values) }),
    windowed: [{ buffer: session.iterate, offsetField: 'offset_iterate' }],
    whole: [{ buffer: partials }],
    workgroupBytes: reductionBytes,
  };
  const buffers = {
    a: session.jacobianBuffer('diagonal'),
    b: session.offset,
    x: session.candidate,
    running: { buffer: session.status, stride: sequenceStateWords },
  };
  const state = session.scanScratch().aggregates;
  session.pass((pass) => {
    if (!encodeSinglePassDiagonalScan(context, pass, buffers, shape, state, epilogue)) {
      throw new WebGpuExecutionError(
        'the single-pass scan declined its update epilogue after it was found to fit',
      );
    }
  }, 'diagonal-scan-update');
  const finish = finishUpdate(session, merit);
  session.finishSequences(finish.pipeline, [{ buffer: partials }, ...finish.bindings], {
    ...values,
    ...finish.values,
    blocks: chunks,
  });
}
