/**
 * The GEMM-core kernels of the gated cells (opt-in variants; see `WebGpuBackendOptions.linearizeKernel` and
 * `sequentialKernel`): the gate pre-activations of many rows (b, t) are one product
 * [rows, I + D] × [I + D, G·D], computed with each weight reused across rows, then the cell's element-wise
 * part. The GRU (G = 3; flax `GRUCell`, PyTorch's layout being the same canonical parameters with b_hr, b_hz):
 *
 *   r = σ(x W_ir + b_ir + h W_hr + b_hr),  z = σ(x W_iz + b_iz + h W_hz + b_hz),
 *   n = tanh(x W_in + b_in + r ⊙ (h W_hn + b_hn)),  f = (1 − z) ⊙ n + z ⊙ h;
 *
 * the Elman cell (G = 1): f = tanh(x W_i + b_i + h W_h + b_h). Both read the canonical parameters that
 * `@elk/cells`' twins pack into `cell_params` (their `cell_gru_*` / `cell_elman_*` offsets, activations and,
 * for the GRU, Jacobian coefficients).
 *
 * @module
 */

import { webGpuDefaults } from '../defaults.ts';
import type { GemmCellKind } from './cell-kernels.ts';
import { type CellShape, cellPreamble, problemBindings } from './cell-kernels.ts';
import type { GemmTilePlan } from './gemm-tile-plan.ts';
import { gemmGates, rowParallelWorkgroupSize } from './gemm-tile-plan.ts';
import { partialReductionWgsl, sequenceBlockWgsl } from './session-layout.ts';

/**
 * WGSL of the four-unit epilogue shared by both GEMM cells: `gemm_quad_parameter(at, stride, quad)` (the
 * parameters at `at + unit·stride` of units 4q … 4q + 3; 0 past D) and the activations on vec4s (the formulas
 * of `@elk/cells`' scalar ones, with one reciprocal where those divide twice).
 */
const gemmQuadCommonWgsl = /* wgsl */ `
fn gemm_quad_parameter(at: u32, stride: u32, quad: u32) -> vec4<f32> {
  var out = vec4<f32>(0.0);
  for (var j = 0u; j < 4u; j++) {
    let unit = quad * 4u + j;
    if (unit < STATE_SIZE) { out[j] = cell_params[at + unit * stride]; }
  }
  return out;
}

// One reciprocal each (the scalar forms divide twice).
fn gemm_sigmoid4(x: vec4<f32>) -> vec4<f32> {
  let e = exp(-abs(x));
  let q = 1.0 / (1.0 + e);
  return select(e * q, q, x >= vec4<f32>(0.0));
}

fn gemm_tanh4(x: vec4<f32>) -> vec4<f32> {
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) * (1.0 / (1.0 + e));
}
`;

/**
 * A GEMM cell's WGSL: `gemm_weight(k, gate, unit)` (gate g's weight of column k of [u_t, s_{t−1}]; 0 past the
 * ends), `gemm_sums(w, from_state)` (where G gate weights w go among the four accumulated sums) and
 * `gemm_element(sums, unit, h) -> vec2<f32>` (f and ∂f_unit/∂s_unit from the sums and h = s_{t−1}[unit]);
 * and the same for four units at once, their parameters loaded once per invocation: `gemm_quad_constants(quad)`
 * and `gemm_quad(s0, s1, s2, s3, constants, h) -> array<vec4<f32>, 2>` (f and the diagonal; the sums per
 * accumulator slot).
 */
export function gemmCellWgsl(kind: GemmCellKind): string {
  const prefix = kind === 'gru' ? 'cell_gru' : 'cell_elman';
  const weight = /* wgsl */ `
fn gemm_weight(k: u32, gate: u32, unit: u32) -> f32 {
  if (unit >= STATE_SIZE || k >= TRUE_INPUT_SIZE + STATE_SIZE) { return 0.0; }
  if (k < TRUE_INPUT_SIZE) {
    return cell_params[${prefix}_wi + (gate * STATE_SIZE + unit) * TRUE_INPUT_SIZE + k];
  }
  return cell_params[${prefix}_wh + (gate * STATE_SIZE + unit) * STATE_SIZE + k - TRUE_INPUT_SIZE];
}
`;
  if (kind === 'elman') {
    return /* wgsl */ `${weight}
// One sum: x W_i + h W_h.
fn gemm_sums(w: vec3<f32>, from_state: bool) -> vec4<f32> {
  return vec4<f32>(w.x, 0.0, 0.0, 0.0);
}

fn gemm_element(sums: vec4<f32>, unit: u32, h: f32) -> vec2<f32> {
  let value = cell_tanh(sums.x + cell_params[cell_elman_bi + unit] + cell_params[cell_elman_bh + unit]);
  return vec2<f32>(value, (1.0 - value * value) * cell_params[cell_elman_wh + unit * STATE_SIZE + unit]);
}
${gemmQuadCommonWgsl}
// The bias and W_h's diagonal at four units.
struct GemmQuadConstants { bias: vec4<f32>, diagonal: vec4<f32> }

fn gemm_quad_constants(quad: u32) -> GemmQuadConstants {
  return GemmQuadConstants(
    gemm_quad_parameter(cell_elman_bi, 1u, quad) + gemm_quad_parameter(cell_elman_bh, 1u, quad),
    gemm_quad_parameter(cell_elman_wh, STATE_SIZE + 1u, quad));
}

fn gemm_quad(s0: vec4<f32>, s1: vec4<f32>, s2: vec4<f32>, s3: vec4<f32>, c: GemmQuadConstants,
             h: vec4<f32>) -> array<vec4<f32>, 2> {
  let value = gemm_tanh4(s0 + c.bias);
  return array<vec4<f32>, 2>(value, (1.0 - value * value) * c.diagonal);
}
`;
  }
  return /* wgsl */ `${weight}
// (r, z, n's input part, n's recurrent part): W_in x and W_hn h are kept apart (r multiplies only the latter).
fn gemm_sums(w: vec3<f32>, from_state: bool) -> vec4<f32> {
  return select(vec4<f32>(w, 0.0), vec4<f32>(w.xy, 0.0, w.z), from_state);
}

fn gemm_element(sums: vec4<f32>, unit: u32, h: f32) -> vec2<f32> {
  let H = cell_gru_hidden;
  let r = cell_sigmoid(sums.x + cell_params[cell_gru_bi + unit] + cell_params[cell_gru_bh + unit]);
  let z = cell_sigmoid(sums.y + cell_params[cell_gru_bi + H + unit] + cell_params[cell_gru_bh + H + unit]);
  let hidden_n = sums.w + cell_params[cell_gru_bh + 2u * H + unit];
  let n = cell_tanh(sums.z + cell_params[cell_gru_bi + 2u * H + unit] + r * hidden_n);
  let g = cell_gru_gate_values(r, z, n, hidden_n);
  let coefficients = cell_gru_coefficients(g, h);
  let w = cell_gru_row_weights(unit, unit);
  let diagonal = coefficients.x * w.y + coefficients.y * w.x + coefficients.z * w.z + z;
  return vec2<f32>((1.0 - z) * n + z * h, diagonal);
}
${gemmQuadCommonWgsl}
// The biases (r and z: input + recurrent; n's input and recurrent ones apart) and the diagonals of W_hr, W_hz
// and W_hn at four units.
struct GemmQuadConstants {
  r: vec4<f32>, z: vec4<f32>, input_n: vec4<f32>, hidden_n: vec4<f32>,
  w_r: vec4<f32>, w_z: vec4<f32>, w_n: vec4<f32>,
}

fn gemm_quad_constants(quad: u32) -> GemmQuadConstants {
  let H = cell_gru_hidden;
  return GemmQuadConstants(
    gemm_quad_parameter(cell_gru_bi, 1u, quad) + gemm_quad_parameter(cell_gru_bh, 1u, quad),
    gemm_quad_parameter(cell_gru_bi + H, 1u, quad) + gemm_quad_parameter(cell_gru_bh + H, 1u, quad),
    gemm_quad_parameter(cell_gru_bi + 2u * H, 1u, quad),
    gemm_quad_parameter(cell_gru_bh + 2u * H, 1u, quad),
    gemm_quad_parameter(cell_gru_wh, H + 1u, quad),
    gemm_quad_parameter(cell_gru_wh + H * H, H + 1u, quad),
    gemm_quad_parameter(cell_gru_wh + 2u * H * H, H + 1u, quad));
}

// gemm_element for four units at once (sums: r, z, n's input part, n's recurrent part; h = s_{t−1} there).
fn gemm_quad(s0: vec4<f32>, s1: vec4<f32>, s2: vec4<f32>, s3: vec4<f32>, c: GemmQuadConstants,
             h: vec4<f32>) -> array<vec4<f32>, 2> {
  let r = gemm_sigmoid4(s0 + c.r);
  let z = gemm_sigmoid4(s1 + c.z);
  let hidden_n = s3 + c.hidden_n;
  let n = gemm_tanh4(s2 + c.input_n + r * hidden_n);
  // As cell_gru_coefficients: ∂f/∂s on the diagonal through z, through r and through n.
  let a = (h - n) * z * (1.0 - z);
  let k = (1.0 - z) * (1.0 - n * n);
  let diagonal = a * c.w_z + k * r * (1.0 - r) * hidden_n * c.w_r + k * r * c.w_n + z;
  return array<vec4<f32>, 2>((1.0 - z) * n + z * h, diagonal);
}
`;
}

/** WGSL: G gate weights at `base` of a [G, …] layout with stride `stride`, as a vec3 (unused lanes 0). */
function gateWeights(gates: number, at: (gate: number) => string): string {
  const lanes = [0, 1, 2].map((gate) => (gate < gates ? at(gate) : '0.0'));
  return `vec3<f32>(${lanes.join(', ')})`;
}

/**
 * Accumulator slots of a GEMM cell's pre-activations (each a vec4 over four units): the GRU keeps r, z, n's
 * input part and n's recurrent part apart (r multiplies only the latter); the Elman cell has one sum.
 * `slot(gate, fromState)` says where gate g's weight goes.
 */
export const accumulatorSlots: Readonly<
  Record<GemmCellKind, { count: number; slot: (gate: number, fromState: boolean) => number }>
> = {
  gru: { count: 4, slot: (gate, fromState) => (gate === 2 && fromState ? 3 : gate) },
  elman: { count: 1, slot: () => 0 },
};

/**
 * The one-time kernel of the tiled linearisation: writes the transposed weights [I + D, G, Q] vec4 (unit
 * 4q + lane in lane; 0 past D) that the tiled kernel reads. Bindings: 1 cell_params, 2 the weights (write).
 * `params.count` workgroups of `webGpuDefaults.workgroupSize` cover (I + D)·G·Q·4 words.
 */
export function gemmWeightsWgsl(cell: CellShape, kind: GemmCellKind, plan: GemmTilePlan): string {
  const size = webGpuDefaults.workgroupSize;
  return /* wgsl */ `${cellPreamble(cell)}
@group(0) @binding(2) var<storage, read_write> transposed: array<f32>;
${gemmCellWgsl(kind)}
const GATES: u32 = ${plan.gates}u;
const QUADS: u32 = ${plan.unitQuads}u;

@compute @workgroup_size(${size})
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let group = linear_workgroup(workgroup, workgroups);
  let e = group * ${size}u + local;
  if (group >= params.count || e >= (TRUE_INPUT_SIZE + STATE_SIZE) * GATES * QUADS * 4u) { return; }
  let lane = e % 4u;
  let quad = e / 4u % QUADS;
  let gate = e / (4u * QUADS) % GATES;
  let k = e / (4u * QUADS * GATES);
  transposed[e] = gemm_weight(k, gate, quad * 4u + lane);
}
`;
}

/** Words of the transposed weights of {@link gemmWeightsWgsl}. */
export function gemmWeightsWords(
  cell: Pick<CellShape, 'stateSize' | 'inputSize'>,
  plan: GemmTilePlan,
): number {
  return (cell.inputSize + cell.stateSize) * plan.gates * plan.unitQuads * 4;
}

/**
 * WGSL shared by the tiled kernels: the tile's constants, its rows staged in workgroup memory (`stride` words
 * apart), and the entry of `main` up to `first` (the block's first step; workgroups past `params.count`
 * return). `extra` goes between the constants and the tile.
 */
function tiledKernelHead(plan: GemmTilePlan, stride: number, extra = '', vectorTile = false): string {
  const W = webGpuDefaults.workgroupSize;
  // A vec4 tile counts its row stride in vec4s.
  const rowStride = vectorTile ? stride / 4 : stride;
  return /* wgsl */ `const GATES: u32 = ${plan.gates}u;
const QUADS: u32 = ${plan.unitQuads}u;
const ROW_GROUPS: u32 = ${plan.rowGroups}u;
const ROW_STRIDE: u32 = ${rowStride}u;
const BLOCK: u32 = ${W}u;
${extra}
var<workgroup> tile: array<${vectorTile ? 'vec4<f32>' : 'f32'}, ${W * rowStride}>;

@compute @workgroup_size(${plan.workgroupSize})
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
${sequenceBlockWgsl}
  let first = block * BLOCK;`;
}

/** Staged values per invocation beyond which the staging stays a loop (straight-line code would grow). */
const mostStraightStaging = 32;

/**
 * WGSL that stages a block's `BLOCK × COLUMNS` values into `tile` (row stride `ROW_STRIDE`) with
 * `workgroupSize` invocations: `staged_value(e, …)` gives value e (row e / COLUMNS, column e % COLUMNS; 0 past
 * the block), or with `vector` (a vec4 tile of the state alone) `staged_quad(e, …)` gives quad e (row
 * e / QUADS, units 4·(e % QUADS) …; `values` then counts quads). Every invocation issues all its loads before
 * its first store (straight-line code; a loop of load-then-store keeps one load in flight per invocation, and
 * a workgroup of a tiled kernel has a whole SM's registers to itself), up to {@link mostStraightStaging}
 * values each; a loop beyond.
 */
function stagingWgsl(values: number, workgroupSize: number, args: string, vector = false): string {
  // Scalar tiles take value e at row e / COLUMNS, column e % COLUMNS; vec4 tiles take quad e of
  // `staged_quad` at row e / QUADS, quad e % QUADS.
  const count = vector ? 'BLOCK * QUADS' : 'BLOCK * COLUMNS';
  const slot = (e: string) =>
    vector
      ? `tile[(${e}) / QUADS * ROW_STRIDE + (${e}) % QUADS]`
      : `tile[(${e}) / COLUMNS * ROW_STRIDE + (${e}) % COLUMNS]`;
  const value = vector ? 'staged_quad' : 'staged_value';
  const perInvocation = Math.ceil(values / workgroupSize);
  if (perInvocation > mostStraightStaging) {
    return `for (var e = local; e < ${count}; e += ${workgroupSize}u) {
    ${slot('e')} = ${value}(e, ${args});
  }`;
  }
  const indices = Array.from({ length: perInvocation }, (_, i) => i);
  const loads = indices
    .map((i) => `let staged_${i} = ${value}(local + ${i * workgroupSize}u, ${args});`)
    .join('\n  ');
  const stores = indices
    .map((i) => {
      const e = `local + ${i * workgroupSize}u`;
      const store = `${slot(e)} = staged_${i};`;
      return (i + 1) * workgroupSize <= values ? store : `if (${e} < ${count}) { ${store} }`;
    })
    .join('\n  ');
  return `${loads}\n  ${stores}`;
}

/** Words per time step of a sequence's input projections [G, Q] vec4 (see {@link inputProjectionWgsl}). */
export function inputProjectionWords(plan: Pick<GemmTilePlan, 'gates' | 'unitQuads'>): number {
  return plan.gates * plan.unitQuads * 4;
}

/**
 * The input half of a GEMM cell's gate pre-activations, x_t W_i for every gate (no biases), computed once per
 * session — the inputs never change while the iterate does, so the tiled linearisation then stages s_{t−1}
 * alone and does half the multiply-adds at I = D. Writes projections [B, T, G, Q] vec4 (unit 4q + lane in
 * lane; 0 past D) from the transposed weights. One workgroup per block of W steps of a sequence, tiled like
 * {@link tiledLinearizeWgsl} with the input columns staged. Bindings: 1 cell_params, 2 inputs,
 * 3 projections (write), 4 the transposed weights; `params.offset_inputs` and `params.offset_offset` are the
 * window offsets (f32 words) of the inputs and of the projections.
 */
export function inputProjectionWgsl(cell: CellShape, plan: GemmTilePlan): string {
  const { rowsPerInvocation: R, workgroupSize, gates } = plan;
  const I = Math.max(1, cell.inputSize);
  const stride = I % 2 === 1 ? I : I + 1;
  const rows = Array.from({ length: R }, (_, r) => r);
  const gateList = Array.from({ length: gates }, (_, gate) => gate);
  const declarations = rows
    .flatMap((r) => gateList.map((gate) => `var acc_${r}_${gate} = vec4<f32>(0.0);`))
    .join('\n  ');
  const weights = gateList
    .map((gate) => `let w${gate} = gemm_weights[(k * GATES + ${gate}u) * QUADS + quad];`)
    .join('\n    ');
  const updates = rows
    .map(
      (r) =>
        `let x${r} = tile[(row_group + ${r}u * ROW_GROUPS) * ROW_STRIDE + k]; ${gateList
          .map((gate) => `acc_${r}_${gate} += w${gate} * x${r};`)
          .join(' ')}`,
    )
    .join('\n    ');
  const writes = rows
    .map(
      (r) => `{
    let t = first + row_group + ${r}u * ROW_GROUPS;
    if (owner && t < params.length) {
      let base = params.offset_offset / 4u + (sequence * params.length + t) * GATES * QUADS + quad;
      ${gateList.map((gate) => `projections[base + ${gate}u * QUADS] = acc_${r}_${gate};`).join('\n      ')}
    }
  }`,
    )
    .join('\n  ');
  return /* wgsl */ `${cellPreamble(cell)}
@group(0) @binding(2) var<storage, read> inputs: array<f32>;
@group(0) @binding(3) var<storage, read_write> projections: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> gemm_weights: array<vec4<f32>>;
const COLUMNS: u32 = TRUE_INPUT_SIZE;

fn staged_value(e: u32, first: u32, sequence: u32) -> f32 {
  let t = first + e / COLUMNS;
  if (e >= ${webGpuDefaults.workgroupSize}u * COLUMNS || t >= params.length) { return 0.0; }
  return inputs[params.offset_inputs + (sequence * params.length + t) * TRUE_INPUT_SIZE + e % COLUMNS];
}
${tiledKernelHead(plan, stride)}
  ${stagingWgsl(webGpuDefaults.workgroupSize * cell.inputSize, workgroupSize, 'first, sequence')}
  workgroupBarrier();
  let owner = local < QUADS * ROW_GROUPS;
  let quad = local % QUADS;
  let row_group = min(local / QUADS, ROW_GROUPS - 1u);
  ${declarations}
  for (var k = 0u; k < TRUE_INPUT_SIZE; k++) {
    ${weights}
    ${updates}
  }
  ${writes}
  // Keep cell_params in the layout (binding 1, as every cell kernel).
  if (local == 0xffffffffu) { projections[0] = vec4<f32>(cell_params[0]); }
}
`;
}

/**
 * WGSL of the tiled linearisation's four-unit accesses (`quad`: units 4q … 4q + 3; lanes past D read 0 and are
 * not written): `tile_quad(row, quad)` (s_{t−1} staged in the tile's row), `current_quad(row, t, at, quad)` (s_t:
 * the next row of the tile where the block holds it, else read from the iterate; `at` is the word of s_t[0]),
 * `add_quad_residual` and the stores of b_t and diag(A_t) (`store_offset_quad(at, quad, value)`, `at` the
 * word of the row's unit 0 in the window): whole vec4s when `vector` (D a multiple of 4), else lane by lane;
 * `vectorTile`: the tile holds the state alone as vec4s (see {@link tiledLinearizeWgsl}).
 */
function quadAccessWgsl(vector: boolean, mode: 'none' | 'diagonal', vectorTile = false): string {
  const lanes = [0, 1, 2, 3];
  const guarded = (j: number, statement: string) =>
    vector ? statement : `if (quad * 4u + ${j}u < STATE_SIZE) { ${statement} }`;
  const gather = (index: (j: number) => string) =>
    lanes.map((j) => guarded(j, `out[${j}] = ${index(j)};`)).join('\n  ');
  const store = (name: string) =>
    vector
      ? `${name}[at / 4u + quad] = value;`
      : lanes.map((j) => guarded(j, `${name}[at + quad * 4u + ${j}u] = value[${j}];`)).join('\n  ');
  return /* wgsl */ `
fn tile_quad(row: u32, quad: u32) -> vec4<f32> {
  ${
    vectorTile
      ? 'return tile[row * ROW_STRIDE + quad];'
      : `var out = vec4<f32>(0.0);
  ${gather((j) => `tile[row * ROW_STRIDE + STATE_COLUMN + quad * 4u + ${j}u]`)}
  return out;`
  }
}

fn current_quad(row: u32, t: u32, at: u32, quad: u32) -> vec4<f32> {
  if (row + 1u < BLOCK && t + 1u < params.length) {
    return tile_quad(row + 1u, quad);
  }
  var out = vec4<f32>(0.0);
  ${gather((j) => `iterate[params.offset_iterate + at + quad * 4u + ${j}u]`)}
  return out;
}

fn add_quad_residual(partial: ptr<function, Partial>, r: vec4<f32>, quad: u32) {
  ${lanes.map((j) => guarded(j, `add_residual(partial, r[${j}]);`)).join('\n  ')}
}

fn store_offset_quad(at: u32, quad: u32, value: vec4<f32>) {
  ${store('offset')}
}
${
  mode === 'none'
    ? ''
    : `
fn store_jacobian_quad(at: u32, quad: u32, value: vec4<f32>) {
  ${store('jacobian')}
}`
}`;
}

/**
 * The row stride (words) of the tiled linearisation's vec4 tile, or undefined where it stages scalars: the
 * state alone is staged (the input projections precomputed, or no inputs) and D is a multiple of 4.
 */
export function vectorTileStride(
  cell: Pick<CellShape, 'stateSize' | 'inputSize'>,
  plan: Pick<GemmTilePlan, 'vectorRowStride'>,
  projected: boolean,
): number | undefined {
  const stateOnly = projected || cell.inputSize === 0;
  return stateOnly && cell.stateSize % 4 === 0 ? plan.vectorRowStride : undefined;
}

/**
 * The tag of a tiled linearisation's pipeline: R × invocations, then `v4` for the vec4 tile or `u` and the
 * columns walked per loop step.
 */
export function tiledLinearizeTag(
  cell: Pick<CellShape, 'stateSize' | 'inputSize'>,
  plan: GemmTilePlan,
  projected: boolean,
  unroll: number,
): string {
  const tile = vectorTileStride(cell, plan, projected) === undefined ? `u${unroll}` : 'v4';
  return `${plan.rowsPerInvocation}x${plan.workgroupSize}${tile}`;
}

/**
 * Which parts of the tiled linearisation a kernel runs: `'all'` (the kernel), or for timing its parts (the
 * profile bench) `'stage'` (staging and the reduction only), `'accumulate'` (staging and the GEMM, whose sums
 * are written to b_t) or `'epilogue'` (staging and the element-wise part on zero sums).
 */
export type TiledParts = 'all' | 'stage' | 'accumulate' | 'epilogue';

/**
 * Tiled linearisation of a GEMM cell (modes 'none' and 'diagonal'; see {@link GemmTilePlan} for the tiling).
 * Writes exactly what `linearizeWgsl` writes: b_t (f for 'none'), diag(A_t) with A_0 = 0, and the residual
 * partials per (sequence, block of W steps). Bindings as `linearizeWgsl` (8: the Jacobian in mode
 * 'diagonal'), then the transposed weights of {@link gemmWeightsWgsl}. `parts` (default `'all'`) leaves
 * parts out, for timing; `unroll` > 1 walks the staged columns that many at a time, all their loads issued
 * before their multiply-adds. Where only the state is staged (the inputs' projections precomputed, or no
 * inputs) and D is a multiple of 4, the tile holds vec4s: each row's four columns take one workgroup load
 * (a quarter of the scalar tile's), the columns then walked four at a time (`unroll` does not apply).
 */
export function tiledLinearizeWgsl(
  cell: CellShape,
  kind: GemmCellKind,
  mode: 'none' | 'diagonal',
  plan: GemmTilePlan,
  parts: TiledParts = 'all',
  projected = false,
  unroll = 1,
): string {
  const { rowsPerInvocation: R, workgroupSize, rowStride, gates } = plan;
  const slots = accumulatorSlots[kind];
  const weightsBinding = mode === 'none' ? 8 : 9;
  const rows = Array.from({ length: R }, (_, r) => r);
  const declarations = rows
    .flatMap((r) => Array.from({ length: slots.count }, (_, a) => `var acc_${r}_${a} = vec4<f32>(0.0);`))
    .join('\n  ');
  // Weight row of tile column k: the same index, or past the input columns when only the state is staged.
  const weightRow = (k: string) => (projected ? `TRUE_INPUT_SIZE + ${k}` : k);
  // One tile column k (WGSL expression) as loads (G weights, R staged values) and multiply-adds, names
  // suffixed with j so that several columns' loads can be issued before their arithmetic.
  const column = (fromState: boolean, k: string, j: number) => ({
    loads: [
      ...Array.from(
        { length: gates },
        (_, gate) =>
          `let w${gate}_${j} = gemm_weights[((${weightRow(k)}) * GATES + ${gate}u) * QUADS + quad];`,
      ),
      ...rows.map((r) => `let x${r}_${j} = tile[(row_group + ${r}u * ROW_GROUPS) * ROW_STRIDE + ${k}];`),
    ].join('\n    '),
    updates: rows
      .map((r) =>
        Array.from(
          { length: gates },
          (_, gate) => `acc_${r}_${slots.slot(gate, fromState)} += w${gate}_${j} * x${r}_${j};`,
        ).join(' '),
      )
      .join('\n    '),
  });
  // The state's columns from a vec4 tile: each row's four columns in one load, then their multiply-adds.
  const accumulateQuads = () => {
    const columns = [0, 1, 2, 3].map((j) => {
      const k = `k4 * 4u + ${j}u`;
      const weights = Array.from(
        { length: gates },
        (_, gate) =>
          `let w${gate}_${j} = gemm_weights[((${weightRow(k)}) * GATES + ${gate}u) * QUADS + quad];`,
      ).join(' ');
      const updates = rows
        .map((r) =>
          Array.from(
            { length: gates },
            (_, gate) => `acc_${r}_${slots.slot(gate, true)} += w${gate}_${j} * x${r}[${j}];`,
          ).join(' '),
        )
        .join('\n      ');
      return `{\n      ${weights}\n      ${updates}\n    }`;
    });
    return `for (var k4 = 0u; k4 < QUADS; k4++) {
    ${rows.map((r) => `let x${r} = tile[(row_group + ${r}u * ROW_GROUPS) * ROW_STRIDE + k4];`).join('\n    ')}
    ${columns.join('\n    ')}
  }`;
  };
  // Columns [from, to) (WGSL expressions): U = `unroll` columns per loop step, their loads first.
  const accumulateColumns = (fromState: boolean, from: string, to: string) => {
    const single = column(fromState, 'k', 0);
    if (unroll <= 1) {
      return `for (var k = ${from}; k < ${to}; k++) {\n    ${single.loads}\n    ${single.updates}\n  }`;
    }
    const group = Array.from({ length: unroll }, (_, j) => column(fromState, `k + ${j}u`, j));
    return `{
  var k = ${from};
  for (; k + ${unroll}u <= ${to}; k += ${unroll}u) {
    ${group.map((part) => part.loads).join('\n    ')}
    ${group.map((part) => part.updates).join('\n    ')}
  }
  for (; k < ${to}; k++) {
    ${single.loads}
    ${single.updates}
  }
  }`;
  };
  // Four units' outputs at once: vec4 stores where D is a multiple of 4 (the windows' offsets then are too).
  const vectorStores = cell.stateSize % 4 === 0;
  const outputType = vectorStores ? 'vec4<f32>' : 'f32';
  const output =
    mode === 'none'
      ? 'store_offset_quad(params.offset_offset + at, quad, element[0]);'
      : `let a = select(element[1], vec4<f32>(0.0), t == 0u);
        store_jacobian_quad(params.offset_jacobian + at, quad, a);
        store_offset_quad(params.offset_offset + at, quad, element[0] - a * h);`;
  const sums = (r: number) =>
    Array.from({ length: 4 }, (_, a) => (a < slots.count ? `acc_${r}_${a}` : 'vec4<f32>(0.0)')).join(', ');
  const sumsOnly = rows
    .map((r) => {
      const total = Array.from({ length: slots.count }, (_, a) => `acc_${r}_${a}`).join(' + ');
      return `{
      let t = first + row_group + ${r}u * ROW_GROUPS;
      if (owner && t < params.length) {
        store_offset_quad(params.offset_offset + (sequence * params.length + t) * STATE_SIZE, quad, ${total});
      }
    }`;
    })
    .join('\n    ');
  const epilogue = rows
    .map((r) => {
      const projections = projected
        ? Array.from(
            { length: gates },
            (_, gate) =>
              `acc_${r}_${slots.slot(gate, false)} += projections[projection_base + ((sequence * params.length + t) * GATES + ${gate}u) * QUADS + quad];`,
          ).join('\n        ')
        : '';
      return `{
      let row = row_group + ${r}u * ROW_GROUPS;
      let t = first + row;
      if (owner && t < params.length) {
        let at = (sequence * params.length + t) * STATE_SIZE;
        ${projections}
        let h = tile_quad(row, quad);
        let element = gemm_quad(${sums(r)}, constants, h);
        ${output}
        add_quad_residual(&partial, current_quad(row, t, at, quad) - element[0], quad);
      }
    }`;
    })
    .join('\n    ');
  // Staged columns: [u_t, s_{t−1}], or s_{t−1} alone when the input half of the gates is precomputed (or
  // there are no inputs); then, with D a multiple of 4, as vec4s (rows the plan's `vectorRowStride` apart).
  const vectorRowStride = vectorTileStride(cell, plan, projected);
  const vectorTile = vectorRowStride !== undefined;
  const sources = projected
    ? `@group(0) @binding(2) var<storage, read> projections: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> initial_state: array<f32>;`
    : problemBindings;
  const stagedValue = projected
    ? `if (t == 0u) {
    return initial_state[global * STATE_SIZE + k];
  }
  return iterate[params.offset_iterate + (sequence * params.length + t - 1u) * STATE_SIZE + k];`
    : `if (k < TRUE_INPUT_SIZE) {
    return inputs[params.offset_inputs + (sequence * params.length + t) * TRUE_INPUT_SIZE + k];
  }
  if (t == 0u) {
    return initial_state[global * STATE_SIZE + k - TRUE_INPUT_SIZE];
  }
  return iterate[params.offset_iterate + (sequence * params.length + t - 1u) * STATE_SIZE + k - TRUE_INPUT_SIZE];`;
  const columns = projected ? cell.stateSize : cell.inputSize + cell.stateSize;
  const loops = vectorTile
    ? accumulateQuads()
    : projected
      ? accumulateColumns(true, '0u', 'COLUMNS')
      : `${accumulateColumns(false, '0u', 'TRUE_INPUT_SIZE')}
  ${accumulateColumns(true, 'TRUE_INPUT_SIZE', 'COLUMNS')}`;
  // Quad e of a vec4 tile: s_{t−1}[4k … 4k + 3] at t = first + e / QUADS, k = e % QUADS (0 past T).
  const stagedQuad = `fn staged_quad(e: u32, first: u32, sequence: u32, global: u32) -> vec4<f32> {
  let t = first + e / QUADS;
  let k = e % QUADS * 4u;
  if (e >= BLOCK * QUADS || t >= params.length) { return vec4<f32>(0.0); }
  var at = global * STATE_SIZE + k;
  if (t == 0u) {
    return vec4<f32>(initial_state[at], initial_state[at + 1u], initial_state[at + 2u], initial_state[at + 3u]);
  }
  at = params.offset_iterate + (sequence * params.length + t - 1u) * STATE_SIZE + k;
  return vec4<f32>(iterate[at], iterate[at + 1u], iterate[at + 2u], iterate[at + 3u]);
}`;
  return /* wgsl */ `${cellPreamble(cell)}
${sources}
@group(0) @binding(4) var<storage, read> iterate: array<f32>;
@group(0) @binding(5) var<storage, read_write> offset: array<${outputType}>;
@group(0) @binding(6) var<storage, read_write> partials: array<Partial>;
@group(0) @binding(7) var<storage, read> status: array<SequenceState>;
${mode === 'none' ? '' : `@group(0) @binding(8) var<storage, read_write> jacobian: array<${outputType}>;`}
@group(0) @binding(${weightsBinding}) var<storage, read> gemm_weights: array<vec4<f32>>;
${partialReductionWgsl(workgroupSize, true)}
${gemmCellWgsl(kind)}
${tiledKernelHead(
  plan,
  vectorRowStride ?? rowStride,
  `const COLUMNS: u32 = ${projected ? 'STATE_SIZE' : 'TRUE_INPUT_SIZE + STATE_SIZE'};
// The tile column of s_{t−1}[0].
const STATE_COLUMN: u32 = ${projected ? '0u' : 'TRUE_INPUT_SIZE'};

// Value e of the block's tile: row e / COLUMNS (step first + row), column e % COLUMNS; 0 past T and the block.
fn staged_value(e: u32, first: u32, sequence: u32, global: u32) -> f32 {
  let t = first + e / COLUMNS;
  let k = e % COLUMNS;
  if (e >= BLOCK * COLUMNS || t >= params.length) { return 0.0; }
  ${stagedValue}
}
${vectorTile ? stagedQuad : ''}
${quadAccessWgsl(vectorStores, mode, vectorTile)}`,
  vectorTile,
)}
  let global = params.batch_base + sequence;
  if (status[global].running == 0u) { return; }
  ${projected ? 'let projection_base = params.offset_inputs / 4u;' : ''}
  // Stage the block's rows (s_{−1} = the initial state; 0 past T).
  ${
    vectorTile
      ? stagingWgsl(
          webGpuDefaults.workgroupSize * plan.unitQuads,
          workgroupSize,
          'first, sequence, global',
          true,
        )
      : stagingWgsl(webGpuDefaults.workgroupSize * columns, workgroupSize, 'first, sequence, global')
  }
  workgroupBarrier();
  let owner = local < QUADS * ROW_GROUPS;
  let quad = local % QUADS;
  let row_group = min(local / QUADS, ROW_GROUPS - 1u);
  ${declarations}
  ${parts === 'all' || parts === 'accumulate' ? loops : ''}
  var partial = Partial(0.0, 0.0, 0.0, 0.0, 0u);
  ${parts === 'all' || parts === 'epilogue' ? 'let constants = gemm_quad_constants(quad);' : ''}
  ${parts === 'all' || parts === 'epilogue' ? epilogue : parts === 'accumulate' ? sumsOnly : `partial.first = tile[local]${vectorTile ? '.x' : ''};`}
  ${
    vectorTile && !projected
      ? `// Keep the (empty) inputs in the layout: the vec4 staging reads the state alone.
  if (local == 0xffffffffu) { tile[0] = vec4<f32>(inputs[0]); }`
      : ''
  }
  ${
    parts === 'all'
      ? ''
      : `// Keep every binding in the layout when parts are left out.
  if (local == 0xffffffffu) {
    offset[0] = ${outputType}(cell_params[0] + gemm_weights[0].x${projected ? ' + projections[0].x' : ''});
    ${mode === 'none' ? '' : `jacobian[0] = ${outputType}(0.0);`}
  }`
  }
  let total = reduce_partials(local, partial);
  if (local == 0u) { partials[global * params.blocks + block] = total; }
}
`;
}

/**
 * Row-parallel (persistent) sequential evaluation of a GEMM cell: one workgroup per sequence, invocation k owns output
 * units k, k + W, …; the state h_{t−1} and the input u_t sit in workgroup memory, W_h too when
 * `stageRecurrent` (else it is read through the cache), and two `workgroupBarrier()`s separate the steps.
 * Bindings as `sequentialWgsl`: 1 cell_params, 2 inputs, 3 initial state, 4 iterate (write).
 */
export function rowParallelSequentialWgsl(
  cell: CellShape,
  kind: GemmCellKind,
  stageRecurrent: boolean,
): string {
  const size = rowParallelWorkgroupSize;
  const gates = gemmGates[kind];
  const D = cell.stateSize;
  const units = Math.ceil(D / size);
  const recurrent = stageRecurrent
    ? 'recurrent_shared[(gate * STATE_SIZE + unit) * STATE_SIZE + j]'
    : 'gemm_weight(TRUE_INPUT_SIZE + j, gate, unit)';
  return /* wgsl */ `${cellPreamble(cell)}
${problemBindings}
@group(0) @binding(4) var<storage, read_write> iterate: array<f32>;
${gemmCellWgsl(kind)}
var<workgroup> state_shared: array<f32, STATE_SIZE>;
var<workgroup> input_shared: array<f32, INPUT_SIZE>;
var<workgroup> recurrent_shared: array<f32, ${stageRecurrent ? gates * D * D : 1}>;

fn recurrent_weight(gate: u32, unit: u32, j: u32) -> f32 {
  return ${recurrent};
}

@compute @workgroup_size(${size})
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let sequence = linear_workgroup(workgroup, workgroups);
  if (sequence >= params.batch) { return; }
  let global = params.batch_base + sequence;
  for (var e = local; e < STATE_SIZE; e += ${size}u) { state_shared[e] = initial_state[global * STATE_SIZE + e]; }
  ${stageRecurrent ? `for (var e = local; e < ${gates}u * STATE_SIZE * STATE_SIZE; e += ${size}u) { recurrent_shared[e] = gemm_weight(TRUE_INPUT_SIZE + e % STATE_SIZE, e / (STATE_SIZE * STATE_SIZE), e / STATE_SIZE % STATE_SIZE); }` : ''}
  for (var t = 0u; t < params.length; t++) {
    let row = sequence * params.length + t;
    for (var e = local; e < TRUE_INPUT_SIZE; e += ${size}u) {
      input_shared[e] = inputs[params.offset_inputs + row * TRUE_INPUT_SIZE + e];
    }
    workgroupBarrier();
    var next: array<f32, ${units}>;
    for (var q = 0u; q < ${units}u; q++) {
      let unit = local + q * ${size}u;
      if (unit < STATE_SIZE) {
        var sums = vec4<f32>(0.0);
        for (var i = 0u; i < TRUE_INPUT_SIZE; i++) {
          let w = ${gateWeights(gates, (gate) => `gemm_weight(i, ${gate}u, unit)`)};
          sums += gemm_sums(w, false) * input_shared[i];
        }
        for (var j = 0u; j < STATE_SIZE; j++) {
          let w = ${gateWeights(gates, (gate) => `recurrent_weight(${gate}u, unit, j)`)};
          sums += gemm_sums(w, true) * state_shared[j];
        }
        next[q] = gemm_element(sums, unit, state_shared[unit]).x;
      }
    }
    workgroupBarrier();
    for (var q = 0u; q < ${units}u; q++) {
      let unit = local + q * ${size}u;
      if (unit < STATE_SIZE) {
        state_shared[unit] = next[q];
        iterate[params.offset_iterate + row * STATE_SIZE + unit] = next[q];
      }
    }
  }
}
`;
}
