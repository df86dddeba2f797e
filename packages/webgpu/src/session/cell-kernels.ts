/**
 * Session kernels that evaluate the cell through its WGSL twin: the linearisation (f, its Jacobian — none,
 * diagonal or dense — the offsets b_t = f − A_t s_{t−1}, and the residual ‖s − f‖ per workgroup) and the
 * sequential evaluation.
 *
 * @module
 */

import type { CellWgsl } from '@elk/cells';
import type { LinearizationMode } from '@elk/solvers';
import { webGpuDefaults } from '../defaults.ts';
import { commonWgsl } from '../kernels/wgsl-common.ts';
import {
  partialReductionWgsl,
  sequenceBlockWgsl,
  sequenceStateWgsl,
  sessionParams,
} from './session-layout.ts';

/** The cell's sizes as the kernels declare them. */
export interface CellShape {
  readonly stateSize: number;
  readonly inputSize: number;
  readonly wgsl: CellWgsl;
  /**
   * Let the shader compiler unroll the size-D loops (so that state arrays live in registers). Off on software
   * adapters, where fully unrolled nested loops make pipeline compilation take tens of seconds.
   */
  readonly unroll: boolean;
  /**
   * Which of `@elk/cells`' gated cells this is, when its GEMM-core kernels can run it (its WGSL twin packs the
   * canonical gated parameters): the GRU or the Elman cell; undefined for every other cell.
   */
  readonly gemm: GemmCellKind | undefined;
}

/** The gated cells with GEMM-core kernels (see `gemm-cell-kernels.ts`). */
export type GemmCellKind = 'gru' | 'elman';

/** The pipeline-cache key of a cell's kernels: its WGSL key, sizes and loop specialisation. */
export function cellKey(cell: CellShape): string {
  return `${cell.wgsl.key}/${cell.stateSize}/${cell.inputSize}/${cell.unroll ? 'unrolled' : 'rolled'}`;
}

/** A loop bound the compiler cannot see through (see `@elk/cells`' `cell_bound`). */
const opaqueBound = /fn cell_bound\(n: u32\) -> u32 \{[^}]*\}/;

/**
 * The cell's WGSL, with its opaque loop bound (`cell_bound`, which keeps software compilers from unrolling)
 * replaced by the identity when `unroll` is set.
 */
export function cellCode(cell: CellShape): string {
  if (!cell.unroll) return cell.wgsl.code;
  return cell.wgsl.code.replace(opaqueBound, 'fn cell_bound(n: u32) -> u32 {\n  return n;\n}');
}

/**
 * The declarations before a cell's WGSL (`STATE_SIZE`, `INPUT_SIZE` ≥ 1, `cell_params` at binding 1), the
 * cell's code, and helpers to load a state or an input vector.
 */
export function cellPreamble(cell: CellShape): string {
  return /* wgsl */ `${sessionParams.wgsl}
const STATE_SIZE: u32 = ${cell.stateSize}u;
const INPUT_SIZE: u32 = ${Math.max(1, cell.inputSize)}u;
const TRUE_INPUT_SIZE: u32 = ${cell.inputSize}u;
@group(0) @binding(1) var<storage, read> cell_params: array<f32>;
${cellCode(cell)}
${commonWgsl}
${sequenceStateWgsl}
// n, opaque to the compiler (unless unrolling is wanted) so that loops bounded by it are not fully unrolled.
fn elk_bound(n: u32) -> u32 {
  ${cell.unroll ? 'return n;' : 'return select(n, 0u, arrayLength(&cell_params) == 0xffffffffu);'}
}
`;
}

const inputLoader = /* wgsl */ `
fn load_input(sequence: u32, t: u32) -> array<f32, INPUT_SIZE> {
  var u: array<f32, INPUT_SIZE>;
  let base = params.offset_inputs + (sequence * params.length + t) * TRUE_INPUT_SIZE;
  for (var i = 0u; i < elk_bound(TRUE_INPUT_SIZE); i++) { u[i] = inputs[base + i]; }
  return u;
}
`;

/** WGSL: bindings 2 inputs, 3 initial state, and `load_initial` / `load_input`. */
export const problemBindings = /* wgsl */ `
@group(0) @binding(2) var<storage, read> inputs: array<f32>;
@group(0) @binding(3) var<storage, read> initial_state: array<f32>;
fn load_initial(global: u32) -> array<f32, STATE_SIZE> {
  var s: array<f32, STATE_SIZE>;
  for (var d = 0u; d < elk_bound(STATE_SIZE); d++) { s[d] = initial_state[global * STATE_SIZE + d]; }
  return s;
}
${inputLoader}`;

function linearizeBody(mode: LinearizationMode): string {
  if (mode === 'none') {
    return /* wgsl */ `
    let f = cell_step(previous, u);
    for (var d = 0u; d < elk_bound(STATE_SIZE); d++) { offset[params.offset_offset + at + d] = f[d]; }`;
  }
  if (mode === 'diagonal') {
    return /* wgsl */ `
    var diagonal: array<f32, STATE_SIZE>;
    let f = cell_step_diagonal(previous, u, &diagonal);
    for (var d = 0u; d < elk_bound(STATE_SIZE); d++) {
      let a = select(diagonal[d], 0.0, t == 0u);
      jacobian[params.offset_jacobian + at + d] = a;
      offset[params.offset_offset + at + d] = select(f[d] - a * previous[d], f[d], t == 0u);
    }`;
  }
  return /* wgsl */ `
    let f = cell_step(previous, u);
    let matrix_at = params.offset_jacobian + at * STATE_SIZE;
    for (var row = 0u; row < elk_bound(STATE_SIZE); row++) {
      var product = 0.0;
      if (t == 0u) {
        for (var j = 0u; j < elk_bound(STATE_SIZE); j++) { jacobian[matrix_at + row * STATE_SIZE + j] = 0.0; }
      } else {
        let values = cell_jacobian_row(previous, u, row);
        for (var j = 0u; j < elk_bound(STATE_SIZE); j++) {
          jacobian[matrix_at + row * STATE_SIZE + j] = values[j];
          product += values[j] * previous[j];
        }
      }
      offset[params.offset_offset + at + row] = f[row] - product;
    }`;
}

/**
 * Linearisation, one invocation per (sequence, t), one workgroup per block of t of one sequence.
 * Bindings: 1 cell_params, 2 inputs, 3 initial state, 4 iterate, 5 offset (write), 6 partials (write:
 * max |r|, Σ r², NaN flag), 7 status (read), 8 jacobian (write; diagonal and dense only).
 */
export function linearizeWgsl(cell: CellShape, mode: LinearizationMode): string {
  const size = webGpuDefaults.workgroupSize;
  const jacobian =
    mode === 'none' ? '' : '@group(0) @binding(8) var<storage, read_write> jacobian: array<f32>;';
  return /* wgsl */ `${cellPreamble(cell)}
${problemBindings}
@group(0) @binding(4) var<storage, read> iterate: array<f32>;
@group(0) @binding(5) var<storage, read_write> offset: array<f32>;
@group(0) @binding(6) var<storage, read_write> partials: array<Partial>;
@group(0) @binding(7) var<storage, read> status: array<SequenceState>;
${jacobian}
${partialReductionWgsl(size, true)}

@compute @workgroup_size(${size})
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
${sequenceBlockWgsl}
  let global = params.batch_base + sequence;
  if (status[global].running == 0u) { return; }
  let t = block * ${size}u + local;
  var partial = Partial(0.0, 0.0, 0.0, 0.0, 0u);
  if (t < params.length) {
    let at = (sequence * params.length + t) * STATE_SIZE;
    var previous: array<f32, STATE_SIZE>;
    if (t == 0u) {
      previous = load_initial(global);
    } else {
      for (var d = 0u; d < elk_bound(STATE_SIZE); d++) {
        previous[d] = iterate[params.offset_iterate + at - STATE_SIZE + d];
      }
    }
    let u = load_input(sequence, t);
${linearizeBody(mode)}
    for (var d = 0u; d < elk_bound(STATE_SIZE); d++) {
      add_residual(&partial, iterate[params.offset_iterate + at + d] - f[d]);
    }
  }
  let total = reduce_partials(local, partial);
  if (local == 0u) { partials[global * params.blocks + block] = total; }
}
`;
}

/**
 * Sequential evaluation s_t = f(s_{t−1}, u_t): one invocation per sequence loops over t.
 * Bindings: 1 cell_params, 2 inputs, 3 initial state, 4 iterate (write).
 */
export function sequentialWgsl(cell: CellShape): string {
  const size = webGpuDefaults.workgroupSize;
  return /* wgsl */ `${cellPreamble(cell)}
${problemBindings}
@group(0) @binding(4) var<storage, read_write> iterate: array<f32>;

@compute @workgroup_size(${size})
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) workgroups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let sequence = linear_workgroup(workgroup, workgroups) * ${size}u + local;
  if (sequence >= params.batch) { return; }
  var state = load_initial(params.batch_base + sequence);
  for (var t = 0u; t < params.length; t++) {
    state = cell_step(state, load_input(sequence, t));
    let at = params.offset_iterate + (sequence * params.length + t) * STATE_SIZE;
    for (var d = 0u; d < elk_bound(STATE_SIZE); d++) { iterate[at + d] = state[d]; }
  }
}
`;
}
