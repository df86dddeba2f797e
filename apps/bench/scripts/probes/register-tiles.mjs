// Probe: register tiles for the f32 GEMM of the tiled linearisation's state half at D = 64 (GRU: three gates),
// [ROWS, 64] x [64, 192]: invocation (row group, unit quad) accumulates R rows x C quads x 3 gates, reading the
// weights as vec4 through the cache and the rows from workgroup memory as scalars ('s', the tiled
// linearisation before its vec4 tile), as vec4s ('v', after) or straight from global memory ('g').
// Variant RxC{s,v,g}W: R rows, C unit quads, W invocations per workgroup. Each invocation writes the sum of its
// accumulators (the GEMM, not its output, is timed).
//
//   source .device-carry/enter.sh; node apps/bench/scripts/probes/register-tiles.mjs
//   VARIANTS=4x1s256,4x1v256 ROWS=480000 node apps/bench/scripts/probes/register-tiles.mjs
import { probeAdapter, probeDevice, probePipeline, timePasses } from './probe-gpu.mjs';

const adapter = await probeAdapter(['disable-dawn-features=timestamp_quantization']);
const device = await probeDevice(adapter);
const ROWS = Number(process.env.ROWS ?? 480000),
  KD = 64,
  ND = 192,
  Q = ND / 4;
let seed = 1;
const rand = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const x = new Float32Array(ROWS * KD).map(() => rand() - 0.5);
const w = new Float32Array(KD * ND).map(() => (rand() - 0.5) * 0.25);
const buffer = (data) => {
  const b = device.createBuffer({
    size: data.byteLength,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(b, 0, data);
  return b;
};
const xb = buffer(x),
  wb = buffer(w);
const out = device.createBuffer({
  size: ROWS * ND * 4,
  usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
});
// R rows x C quads per invocation; staged: the block's rows in workgroup memory (64 rows) or read from global.
function kernel(R, C, staged, wgSize, vec = false) {
  const rows = [...Array(R).keys()],
    quads = [...Array(3 * C).keys()];
  const qGroups = 16 / C; // invocations across unit quads; each takes C quads x 3 gates
  const rowGroups = wgSize / qGroups; // invocations across rows in a block
  const block = rowGroups * R; // rows per workgroup
  const xs = (r, k) =>
    staged
      ? `tile[(rg + ${r}u * ${rowGroups}u) * ${KD + 1}u + ${k}]`
      : `xv[(base + rg + ${r}u * ${rowGroups}u) * ${KD}u + ${k}]`;
  return {
    block,
    code: `@group(0) @binding(0) var<storage, read> xv: array<f32>;
@group(0) @binding(1) var<storage, read> wv: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<f32>>;
${staged ? (vec ? `var<workgroup> tile4: array<vec4<f32>, ${block * (KD / 4 + 1)}>;` : `var<workgroup> tile: array<f32, ${block * (KD + 1)}>;`) : ''}
@compute @workgroup_size(${wgSize})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>, @builtin(local_invocation_index) local: u32) {
  let group = wg.x + wg.y * nw.x;
  let base = group * ${block}u;
  ${
    staged && vec
      ? `for (var e = local; e < ${(block * KD) / 4}u; e += ${wgSize}u) { let row = e / ${KD / 4}u; let g = base * ${KD}u + e * 4u; tile4[row * ${KD / 4 + 1}u + e % ${KD / 4}u] = select(vec4<f32>(0.0), vec4<f32>(xv[g], xv[g + 1u], xv[g + 2u], xv[g + 3u]), base + row < ${ROWS}u); }
  workgroupBarrier();`
      : ''
  }
  ${
    staged && !vec
      ? `for (var e = local; e < ${block * KD}u; e += ${wgSize}u) { let row = e / ${KD}u; tile[row * ${KD + 1}u + e % ${KD}u] = select(0.0, xv[base * ${KD}u + e], base + row < ${ROWS}u); }
  workgroupBarrier();`
      : ''
  }
  let qg = local % ${qGroups}u; let rg = local / ${qGroups}u;
  ${rows.flatMap((r) => quads.map((c) => `var a${r}_${c} = vec4<f32>(0.0);`)).join(' ')}
  ${staged ? '' : `if (base + rg + ${(R - 1) * rowGroups}u >= ${ROWS}u) { return; }`}
  ${
    vec
      ? `for (var k4 = 0u; k4 < ${KD / 4}u; k4++) {
    ${rows.map((r) => `let v${r} = tile4[(rg + ${r}u * ${rowGroups}u) * ${KD / 4 + 1}u + k4];`).join(' ')}
    ${[0, 1, 2, 3]
      .map(
        (j) => `{ let k = k4 * 4u + ${j}u;
      ${quads.map((c) => `let w${c} = wv[k * ${Q}u + ${(c % 3) * 16}u + qg + ${Math.floor(c / 3) * qGroups}u];`).join(' ')}
      ${rows.flatMap((r) => quads.map((c) => `a${r}_${c} += v${r}[${j}] * w${c};`)).join(' ')} }`,
      )
      .join('\n    ')}
  }`
      : `for (var k = 0u; k < ${KD}u; k++) {
    ${quads.map((c) => `let w${c} = wv[k * ${Q}u + ${(c % 3) * 16}u + qg + ${Math.floor(c / 3) * qGroups}u];`).join(' ')}
    ${rows.map((r) => `let x${r} = ${xs(r, 'k')};`).join(' ')}
    ${rows.flatMap((r) => quads.map((c) => `a${r}_${c} += x${r} * w${c};`)).join(' ')}
  }`
  }
  out[group * ${wgSize}u + local] = ${rows.flatMap((r) => quads.map((c) => `a${r}_${c}`)).join(' + ')};
}`,
  };
}
async function run(name, { code, block }) {
  const kernel = await probePipeline(device, name, code, [
    [0, xb],
    [1, wb],
    [2, out],
  ]);
  if (!kernel) return;
  const times = await timePasses(device, kernel, Math.ceil(ROWS / block), 15);
  console.log(
    name.padEnd(28),
    'ms min/median',
    times[0].toFixed(4),
    times[7].toFixed(4),
    'TFLOP/s',
    ((2 * ROWS * KD * ND) / times[7] / 1e9).toFixed(1),
  );
}
const variants = (
  process.env.VARIANTS ??
  '4x1s256,4x1v256,2x1s256,8x1s256,8x1v256,4x2s256,4x2v256,2x2s256,2x2v256,8x2v256,4x4v256,2x4v256,4x1g256,4x2g128'
).split(',');
for (let round = 0; round < 2; round++)
  for (const v of variants) {
    const m = /^(\d+)x(\d+)([sgv])(\d+)$/.exec(v);
    const [R, C, wg] = [Number(m[1]), Number(m[2]), Number(m[4])];
    await run(`${v} round ${round}`, kernel(R, C, m[3] !== 'g', wg, m[3] === 'v'));
  }
