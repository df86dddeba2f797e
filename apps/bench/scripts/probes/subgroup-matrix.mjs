// Probe: what subgroup matrices (Vulkan cooperative matrices, Dawn's `chromium-experimental-subgroup-matrix`)
// this adapter offers, and whether an f32-accurate GEMM built on the integer ones pays: the state half of the
// GRU's gates at D = 64, [ROWS, 64] × [64, 192], beside a plain f32 multiply-add kernel.
//
// Each f32 value is split into three balanced base-256 digits (x ≈ (d0·2^16 + d1·2^8 + d2)·2^-22, weights
// scaled per output column), the products of digit pairs summed exactly in i32 by i8 × i8 → i32 matrices,
// and the levels combined in f32 (LEVELS=1: d0·e0 only; 2: + the two 2^-8 terms; 3: + the three 2^-16 ones).
//
//   source .device-carry/enter.sh; LEVELS=3 ROWS=131072 node apps/bench/scripts/probes/subgroup-matrix.mjs
//   SKIP_F32=1 LEVELS=1 ROWS=480000 node apps/bench/scripts/probes/subgroup-matrix.mjs
//
// Prints the adapter's features and subgroup matrix configurations, then per kernel the pass time (timestamp
// queries; Dawn quantizes them here), the rate and the largest error against float64 on sampled rows.
import { probeAdapter, probeDevice, probePipeline, timePasses } from './probe-gpu.mjs';

const adapter = await probeAdapter(['enable-dawn-features=allow_unsafe_apis']);
const info = adapter.info;
console.log(
  'adapter',
  info.vendor,
  info.architecture,
  info.description,
  'subgroups',
  info.subgroupMinSize,
  info.subgroupMaxSize,
);
console.log('features', [...adapter.features].sort().join(' '));
const configs = [...(info.subgroupMatrixConfigs ?? [])].map(
  ({ componentType, resultComponentType, M, N, K }) => ({
    componentType,
    resultComponentType,
    M,
    N,
    K,
  }),
);
console.log('configs', JSON.stringify(configs));
const config = configs.find((c) => c.componentType === 'i8' && c.resultComponentType === 'i32' && c.N === 16);
const matrices = config !== undefined && adapter.features.has('chromium-experimental-subgroup-matrix');
if (!matrices) console.log('no i8 x i8 -> i32 subgroup matrices here: the f32 kernel only');
// The matrices need subgroups (and this adapter then has them); the f32 kernel needs neither.
const device = await probeDevice(
  adapter,
  matrices ? ['chromium-experimental-subgroup-matrix', 'subgroups'] : [],
);
const { M, N, K } = config ?? { M: 16, N: 16, K: 32 };
const SUBGROUP = info.subgroupMaxSize;
const SUBGROUPS = 4;
const ROWS = Number(process.env.ROWS ?? 131072);
const KD = 64;
const ND = 192;
const TILES = ND / N;
const LEVELS = (process.env.LEVELS ?? '1,2,3').split(',').map(Number);

let seed = 1;
const random = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const x = new Float32Array(ROWS * KD).map(() => Math.tanh(4 * (random() - 0.5)));
const w = new Float32Array(KD * ND).map(() => (random() - 0.5) * 0.25);
/** Balanced base-256 digits of q (|q| < 2^22): q = d0·2^16 + d1·2^8 + d2. */
function digits(q) {
  const d2 = ((q + 128) & 255) - 128;
  const q1 = (q - d2) / 256;
  const d1 = ((q1 + 128) & 255) - 128;
  return [(q1 - d1) / 256, d1, d2];
}
// x: rows of [digit][KD] bytes (row r, digit d at (3r + d)·KD), scale 2^-22.
const xd = new Int8Array(3 * ROWS * KD);
for (let i = 0; i < ROWS * KD; i++) {
  const row = Math.floor(i / KD);
  digits(Math.round(x[i] * 2 ** 22)).forEach((value, d) => {
    xd[(row * 3 + d) * KD + (i % KD)] = value;
  });
}
// w: digit planes [3][KD][ND], column n scaled by 2^(22 - e_n) with |w| < 2^e_n.
const exponents = new Int32Array(ND);
const wd = new Int8Array(3 * KD * ND);
for (let n = 0; n < ND; n++) {
  let largest = 0;
  for (let k = 0; k < KD; k++) largest = Math.max(largest, Math.abs(w[k * ND + n]));
  exponents[n] = largest === 0 ? 0 : Math.floor(Math.log2(largest)) + 1;
  for (let k = 0; k < KD; k++) {
    digits(Math.round(w[k * ND + n] * 2 ** (22 - exponents[n]))).forEach((value, d) => {
      wd[d * KD * ND + k * ND + n] = value;
    });
  }
}
const storage = (data) => {
  const size = Math.ceil(data.byteLength / 4) * 4;
  const buffer = device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, size);
  return buffer;
};
const buffers = {
  xd: storage(xd),
  wd: storage(wd),
  exponents: storage(exponents),
  x: storage(x),
  w: storage(w),
};
const out = device.createBuffer({
  size: ROWS * ND * 4,
  usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
});

/** The sliced GEMM: one subgroup per 16 rows, 12 column tiles of 16, three i32 accumulators per tile. */
function matrixKernel(levels) {
  // The column-major flag as a bool argument: with this Dawn the offsets and strides then count i8 elements
  // (the template form counts them differently here).
  const load = (type, name, offset, stride) =>
    `subgroupMatrixLoad<${type}>(&${name}, ${offset}, false, ${stride}u)`;
  const left = (d, ks) => load('Left', 'xd', `${d}u * ${KD}u + row0 * ${3 * KD}u + ${ks}u * ${K}u`, 3 * KD);
  const right = (d, ks) => load('Right', 'wd', `${d}u * ${KD * ND}u + ${ks}u * ${K * ND}u + j * ${N}u`, ND);
  const steps = [0, 1]
    .map(
      (ks) => `{
      let x0 = ${left(0, ks)}; let x1 = ${left(1, ks)}; let x2 = ${left(2, ks)};
      let w0 = ${right(0, ks)}; let w1 = ${right(1, ks)}; let w2 = ${right(2, ks)};
      a = subgroupMatrixMultiplyAccumulate(x0, w0, a);
      ${levels >= 2 ? 'b = subgroupMatrixMultiplyAccumulate(x0, w1, b); b = subgroupMatrixMultiplyAccumulate(x1, w0, b);' : ''}
      ${levels >= 3 ? 'c = subgroupMatrixMultiplyAccumulate(x0, w2, c); c = subgroupMatrixMultiplyAccumulate(x1, w1, c); c = subgroupMatrixMultiplyAccumulate(x2, w0, c);' : ''}
    }`,
    )
    .join('\n    ');
  const store = (value, slot) =>
    `subgroupMatrixStore(&partial, sg * ${3 * M * N}u + ${slot * M * N}u, ${value}, false, ${N}u);`;
  return `enable chromium_experimental_subgroup_matrix;
alias Left = subgroup_matrix_left<i8, ${K}, ${M}>;
alias Right = subgroup_matrix_right<i8, ${N}, ${K}>;
alias Result = subgroup_matrix_result<i32, ${N}, ${M}>;
@group(0) @binding(0) var<storage, read> xd: array<i32>;
@group(0) @binding(1) var<storage, read> wd: array<i32>;
@group(0) @binding(2) var<storage, read> exponents: array<i32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
var<workgroup> partial: array<i32, ${SUBGROUPS * 3 * M * N}>;
@compute @workgroup_size(${SUBGROUP * SUBGROUPS})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(subgroup_id) sg: u32, @builtin(subgroup_invocation_id) lane: u32) {
  let row0 = (wg.x * ${SUBGROUPS}u + sg) * ${M}u;
  for (var j = 0u; j < ${TILES}u; j++) {
    var a = Result(); var b = Result(); var c = Result();
    ${steps}
    ${store('a', 0)} ${store('b', 1)} ${store('c', 2)}
    workgroupBarrier();
    for (var e = lane; e < ${M * N}u; e += ${SUBGROUP}u) {
      let column = j * ${N}u + e % ${N}u;
      let at = sg * ${3 * M * N}u + e;
      let scale = exponents[column];
      // Levels 0, 1, 2 carry 2^32, 2^24, 2^16; the scales 2^(e - 44).
      out[(row0 + e / ${N}u) * ${ND}u + column] = ldexp(f32(partial[at]), scale - 12)
        + ldexp(f32(partial[at + ${M * N}u]), scale - 20) + ldexp(f32(partial[at + ${2 * M * N}u]), scale - 28);
    }
    workgroupBarrier();
  }
}`;
}

/** The f32 reference: 4 rows × 4 columns per invocation, the weights through the cache. */
const fmaKernel = `@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> w: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let index = id.x + id.y * groups.x * 256u;
  let q = index % ${ND / 4}u;
  let rows = index / ${ND / 4}u;
  if (rows * 4u >= ${ROWS}u) { return; }
  var a0 = vec4<f32>(0.0); var a1 = vec4<f32>(0.0); var a2 = vec4<f32>(0.0); var a3 = vec4<f32>(0.0);
  for (var k = 0u; k < ${KD / 4}u; k++) {
    let x0 = x[(rows * 4u) * ${KD / 4}u + k]; let x1 = x[(rows * 4u + 1u) * ${KD / 4}u + k];
    let x2 = x[(rows * 4u + 2u) * ${KD / 4}u + k]; let x3 = x[(rows * 4u + 3u) * ${KD / 4}u + k];
    for (var c = 0u; c < 4u; c++) {
      let wv = w[(k * 4u + c) * ${ND / 4}u + q];
      a0 += x0[c] * wv; a1 += x1[c] * wv; a2 += x2[c] * wv; a3 += x3[c] * wv;
    }
  }
  out[(rows * 4u) * ${ND / 4}u + q] = a0; out[(rows * 4u + 1u) * ${ND / 4}u + q] = a1;
  out[(rows * 4u + 2u) * ${ND / 4}u + q] = a2; out[(rows * 4u + 3u) * ${ND / 4}u + q] = a3;
}`;

async function run(name, code, entries, workgroups) {
  const kernel = await probePipeline(device, name, code, entries);
  if (!kernel) return;
  const times = await timePasses(device, kernel, workgroups, 12);
  const readback = device.createBuffer({
    size: ROWS * ND * 4,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(out, 0, readback, 0, ROWS * ND * 4);
  device.queue.submit([encoder.finish()]);
  await readback.mapAsync(GPUMapMode.READ);
  const y = new Float32Array(readback.getMappedRange().slice(0));
  readback.destroy();
  let error64 = 0;
  for (let row = 0; row < ROWS; row += 997) {
    for (let n = 0; n < ND; n++) {
      let sum = 0;
      for (let k = 0; k < KD; k++) sum += x[row * KD + k] * w[k * ND + n];
      error64 = Math.max(error64, Math.abs(sum - y[row * ND + n]));
    }
  }
  const median = times[6];
  const rate = (2 * ROWS * KD * ND) / median / 1e9;
  console.log(
    `${name} rows ${ROWS}: median ${median.toFixed(4)} ms, ${rate.toFixed(1)} TFLOP/s, max |error| ${error64.toExponential(2)}`,
  );
  const clear = device.createCommandEncoder();
  clear.clearBuffer(out);
  device.queue.submit([clear.finish()]);
}

if (!process.env.SKIP_F32) {
  await run(
    'f32 multiply-add',
    fmaKernel,
    [
      [0, buffers.x],
      [1, buffers.w],
      [4, out],
    ],
    Math.ceil((ROWS * ND) / 16 / 256),
  );
}
for (const levels of matrices ? LEVELS : []) {
  const entries = [
    [0, buffers.xd],
    [1, buffers.wd],
    [2, buffers.exponents],
    [4, out],
  ];
  await run(
    `i8 subgroup matrices, ${levels} level(s)`,
    matrixKernel(levels),
    entries,
    ROWS / (M * SUBGROUPS),
  );
}
