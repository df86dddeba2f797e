/**
 * The autoregressive GRU sampler of the ELK paper (Gonzalez et al. 2024, Fig. 4) as a cell: state
 * s = [x, h] (size H + 1), input ε ~ N(0, 1), with its WGSL twin and a sequential sampler.
 *
 * @module
 */
import type { Cell, Tensor } from './cell.ts';
import { createCellFromKernel } from './cell-kernel.ts';
import { CellConfigError, WeightsError } from './errors.ts';
import {
  type GatedParameters,
  gatedOffsets,
  gatedParametersToWeights,
  initGatedParameters,
  loadGatedParameters,
  packGatedParameters,
} from './gated-parameters.ts';
import { DEFAULT_SEED, resolveLayout } from './gru.ts';
import { GRU_NAMING, gruElement, prepareGru } from './gru-core.ts';
import { gruGatesWgsl } from './gru-wgsl.ts';
import { lecunNormal } from './initializers.ts';
import { positiveInteger, sigmoid, softplus } from './options.ts';
import { createRandom } from './random.ts';
import { findTensor, readWeight, tensor, transpose, type WeightsLayout } from './weights.ts';
import { u32, wgslKey } from './wgsl-common.ts';

/**
 * Options of {@link arGru}.
 *
 * @example
 * ```ts
 * const cell = arGru({ hidden: 8, seed: 1 });
 * const loaded = arGru({ hidden: 8, weights: readSafetensors(bytes) });
 * ```
 */
export interface ArGruOptions {
  /** H, the GRU's hidden size; the state [x, h] has size H + 1. */
  hidden: number;
  /**
   * The GRU's tensors under {@link gru}'s names with input size 1 (flax `ir.kernel` [1, H], …; or PyTorch
   * `weight_ih_l0` [3H, 1], …), plus the decoder: flax `decoder.kernel` [H, 2] and `decoder.bias` [2]
   * (columns μ, ρ), or PyTorch `decoder.weight` [2, H] and `decoder.bias` [2].
   */
  weights?: Record<string, Tensor>;
  /** Seed of the default initialisation (GRU as {@link gru}; decoder lecun-normal, zero bias). */
  seed?: number;
  /** `'flax'` (default) or `'torch'`, as for {@link gru}. */
  layout?: WeightsLayout;
}

/**
 * Options of {@link ArGruCell.sample}.
 *
 * @example
 * ```ts
 * const { states, noise } = arGru({ hidden: 4 }).sample({ length: 500, batch: 2, seed: 3 });
 * ```
 */
export interface ArGruSampleOptions {
  /** T, the number of steps. */
  length: number;
  /** B, independent sequences (default 1). */
  batch?: number;
  /** ε, [B, T] (default: standard normals from `seed`). */
  noise?: Float64Array;
  /** Seed of the noise when `noise` is absent (default {@link DEFAULT_SEED}). */
  seed?: number;
  /** s_0 = [x_0, h_0] per sequence, [B, H + 1] (default zeros). */
  initialState?: Float64Array;
}

/**
 * An AR-GRU cell: a {@link Cell} with a sequential sampler and its parameters.
 *
 * @example
 * ```ts
 * const cell: ArGruCell = arGru({ hidden: 4 });
 * writeSafetensors(cell.weights('torch'));
 * ```
 */
export interface ArGruCell extends Cell {
  readonly hidden: number;
  readonly parameters: GatedParameters;
  /** The decoder kernel, [H, 2] row-major (columns μ, ρ), and bias [2]. */
  readonly decoder: { kernel: Float64Array; bias: Float64Array };
  /** The weights as named tensors in `layout` (default flax). */
  weights(layout?: WeightsLayout): Record<string, Tensor>;
  /**
   * Samples B sequences of length T sequentially: returns the states [B, T, H + 1] (x_t first) and the
   * noise ε [B, T] that drove them (the cell's inputs, [B, T, 1]).
   */
  sample(options: ArGruSampleOptions): { states: Float64Array; noise: Float64Array };
}

/**
 * The AR-GRU: h_t = GRU(h_{t-1}, x_{t-1}) (flax GRUCell, input size 1); (μ_t, ρ_t) = h_t W_dec + b_dec;
 * x_t = μ_t + softplus(ρ_t) ε_t. The cell maps s = [x_{t-1}, h_{t-1}] and u = ε_t to [x_t, h_t].
 * Jacobian: rows 1..H are the GRU's [∂h/∂x, ∂h/∂h]; row 0 is cᵀ times them, with
 * c_k = W_dec[k, 0] + σ(ρ_t) ε_t W_dec[k, 1].
 *
 * @example
 * ```ts
 * const cell = arGru({ hidden: 3, seed: 4 }); // stateSize 4, inputSize 1
 * const { states, noise } = cell.sample({ length: 1000, seed: 1 });
 * ```
 */
export function arGru(options: ArGruOptions): ArGruCell {
  const hidden = positiveInteger('hidden', options.hidden);
  const layout = resolveLayout(options.layout, options.weights);
  const random = createRandom(options.seed ?? DEFAULT_SEED);
  const parameters = options.weights
    ? loadGatedParameters(GRU_NAMING, options.weights, layout, hidden, 1)
    : initGatedParameters(GRU_NAMING, random, layout, hidden, 1);
  const decoder = options.weights
    ? loadDecoder(options.weights, layout, hidden)
    : { kernel: lecunNormal(random, hidden, 2), bias: new Float64Array(2) };
  const { kernel: decoderKernel, bias: decoderBias } = decoder;
  const D = hidden + 1;
  const prepared = prepareGru(parameters);
  const inputJacobian = new Float64Array(hidden);
  const diagonalScratch = new Float64Array(D);

  const cell = createCellFromKernel(
    {
      name: 'ar-gru',
      stateSize: D,
      inputSize: 1,
      kernel: (states, so, inputs, io, values, vo, mode, jacobian, jo) => {
        const track = mode === 'none' ? undefined : inputJacobian;
        const gruTarget = mode === 'diagonal' ? diagonalScratch : jacobian;
        const gruOffset = mode === 'dense' ? jo + D + 1 : 0;
        gruElement(
          prepared,
          states,
          so + 1,
          states,
          so,
          values,
          vo + 1,
          mode,
          gruTarget,
          gruOffset,
          D,
          track,
        );
        let mu = decoderBias[0] ?? 0;
        let rho = decoderBias[1] ?? 0;
        for (let k = 0; k < hidden; k++) {
          const h = values[vo + 1 + k] ?? 0;
          mu += h * (decoderKernel[2 * k] ?? 0);
          rho += h * (decoderKernel[2 * k + 1] ?? 0);
        }
        const noise = inputs[io] ?? 0;
        values[vo] = mu + softplus(rho) * noise;
        if (mode === 'none') return;
        const scale = sigmoid(rho) * noise;
        if (mode === 'diagonal') {
          let dx = 0;
          for (let k = 0; k < hidden; k++) {
            dx +=
              ((decoderKernel[2 * k] ?? 0) + scale * (decoderKernel[2 * k + 1] ?? 0)) *
              (inputJacobian[k] ?? 0);
            jacobian[jo + 1 + k] = diagonalScratch[k] ?? 0;
          }
          jacobian[jo] = dx;
          return;
        }
        for (let k = 0; k < hidden; k++) jacobian[jo + (1 + k) * D] = inputJacobian[k] ?? 0;
        for (let j = 0; j < D; j++) {
          let sum = 0;
          for (let k = 0; k < hidden; k++) {
            const c = (decoderKernel[2 * k] ?? 0) + scale * (decoderKernel[2 * k + 1] ?? 0);
            sum += c * (jacobian[jo + (1 + k) * D + j] ?? 0);
          }
          jacobian[jo + j] = sum;
        }
      },
      wgsl: arGruWgsl(parameters, decoder),
    },
    {
      hidden,
      parameters,
      decoder,
      weights: (target: WeightsLayout = 'flax') => ({
        ...gatedParametersToWeights(GRU_NAMING, parameters, target),
        ...(target === 'torch'
          ? { 'decoder.weight': tensor([2, hidden], transpose(decoderKernel, hidden, 2)) }
          : { 'decoder.kernel': tensor([hidden, 2], decoderKernel) }),
        'decoder.bias': tensor([2], decoderBias),
      }),
      sample: (sampleOptions: ArGruSampleOptions) => sample(sampleOptions),
    },
  );

  /** The sampler, written as the model reads: h ← GRU(h, x); (μ, ρ) ← decoder(h); x ← μ + softplus(ρ) ε. */
  function sample(sampleOptions: ArGruSampleOptions) {
    const length = positiveInteger('length', sampleOptions.length);
    const batch = positiveInteger('batch', sampleOptions.batch ?? 1);
    const noise =
      sampleOptions.noise ??
      createRandom(sampleOptions.seed ?? DEFAULT_SEED).fillNormal(new Float64Array(batch * length));
    checkLength('noise', noise, batch * length, 'batch × length');
    const initial = sampleOptions.initialState ?? new Float64Array(batch * D);
    checkLength('initialState', initial, batch * D, 'batch × (hidden + 1)');
    const states = new Float64Array(batch * length * D);
    const h = new Float64Array(hidden);
    const next = new Float64Array(hidden);
    const x = new Float64Array(1);
    for (let b = 0; b < batch; b++) {
      x[0] = initial[b * D] ?? 0;
      h.set(initial.subarray(b * D + 1, (b + 1) * D));
      for (let t = 0; t < length; t++) {
        gruElement(prepared, h, 0, x, 0, next, 0, 'none', next, 0, 0);
        h.set(next);
        const mu =
          (decoderBias[0] ?? 0) + h.reduce((sum, value, k) => sum + value * (decoderKernel[2 * k] ?? 0), 0);
        const rho =
          (decoderBias[1] ?? 0) +
          h.reduce((sum, value, k) => sum + value * (decoderKernel[2 * k + 1] ?? 0), 0);
        x[0] = mu + softplus(rho) * (noise[b * length + t] ?? 0);
        const at = (b * length + t) * D;
        states[at] = x[0] ?? 0;
        states.set(h, at + 1);
      }
    }
    return { states, noise };
  }
  return cell;
}

function checkLength(argument: string, array: Float64Array, length: number, formula: string) {
  if (!(array instanceof Float64Array) || array.length !== length) {
    throw new CellConfigError(
      argument,
      `a Float64Array of length ${length} (${formula})`,
      `length ${array?.length}`,
    );
  }
}

function loadDecoder(weights: Record<string, Tensor>, layout: WeightsLayout, hidden: number) {
  const bias = readWeight(weights, 'decoder.bias', [2]);
  if (layout === 'torch') {
    return { kernel: transpose(readWeight(weights, 'decoder.weight', [2, hidden]), 2, hidden), bias };
  }
  if (
    findTensor(weights, 'decoder.kernel') === undefined &&
    findTensor(weights, 'decoder.weight') !== undefined
  ) {
    throw new WeightsError(
      'decoder.kernel',
      `shape [${hidden}, 2] (flax names; pass layout: 'torch' for decoder.weight)`,
      'decoder.weight',
    );
  }
  return { kernel: readWeight(weights, 'decoder.kernel', [hidden, 2]), bias };
}

function arGruWgsl(parameters: GatedParameters, decoder: { kernel: Float64Array; bias: Float64Array }) {
  const decoderOffset = gatedOffsets(parameters).extra;
  const code = /* wgsl */ `${gruGatesWgsl(parameters, 'STATE_SIZE')}
// decoder kernel [H, 2] then bias [2], after the GRU's parameters
const cell_ar_decoder: u32 = ${u32(decoderOffset)};

fn cell_ar_hidden_next(g: cell_gru_gate_values, h_k: f32) -> f32 {
  return (1.0 - g.z) * g.n + g.z * h_k;
}

fn cell_step(s: array<f32, STATE_SIZE>, u: array<f32, INPUT_SIZE>) -> array<f32, STATE_SIZE> {
  var state = s;
  var out: array<f32, STATE_SIZE>;
  let H = cell_gru_hidden;
  var mu = cell_params[cell_ar_decoder + 2u * H];
  var rho = cell_params[cell_ar_decoder + 2u * H + 1u];
  for (var k = 0u; k < cell_bound(H); k++) {
    let h = cell_ar_hidden_next(cell_gru_gates(&state, 1u, &state, 0u, k), state[1u + k]);
    out[1u + k] = h;
    mu += h * cell_params[cell_ar_decoder + 2u * k];
    rho += h * cell_params[cell_ar_decoder + 2u * k + 1u];
  }
  out[0] = mu + cell_softplus(rho) * u[0];
  return out;
}

fn cell_step_diagonal(
  s: array<f32, STATE_SIZE>, u: array<f32, INPUT_SIZE>, diagonal: ptr<function, array<f32, STATE_SIZE>>,
) -> array<f32, STATE_SIZE> {
  var state = s;
  var out: array<f32, STATE_SIZE>;
  let H = cell_gru_hidden;
  var mu = cell_params[cell_ar_decoder + 2u * H];
  var rho = cell_params[cell_ar_decoder + 2u * H + 1u];
  var dx = vec2<f32>(0.0, 0.0);
  for (var k = 0u; k < cell_bound(H); k++) {
    let g = cell_gru_gates(&state, 1u, &state, 0u, k);
    let h = cell_ar_hidden_next(g, state[1u + k]);
    out[1u + k] = h;
    let w = vec2<f32>(cell_params[cell_ar_decoder + 2u * k], cell_params[cell_ar_decoder + 2u * k + 1u]);
    mu += h * w.x;
    rho += h * w.y;
    let coefficients = cell_gru_coefficients(g, state[1u + k]);
    let recurrent = cell_gru_row_weights(k, k);
    (*diagonal)[1u + k] =
      coefficients.x * recurrent.y + coefficients.y * recurrent.x + coefficients.z * recurrent.z + g.z;
    let input = cell_gru_input_weights(k, 0u);
    dx += w * (coefficients.x * input.y + coefficients.y * input.x + coefficients.w * input.z);
  }
  out[0] = mu + cell_softplus(rho) * u[0];
  (*diagonal)[0] = dx.x + cell_sigmoid(rho) * u[0] * dx.y;
  return out;
}

fn cell_jacobian_row(s: array<f32, STATE_SIZE>, u: array<f32, INPUT_SIZE>, row: u32) -> array<f32, STATE_SIZE> {
  var state = s;
  let H = cell_gru_hidden;
  var result: array<f32, STATE_SIZE>;
  if (row > 0u) {
    let k = row - 1u;
    let g = cell_gru_gates(&state, 1u, &state, 0u, k);
    let coefficients = cell_gru_coefficients(g, state[row]);
    let input = cell_gru_input_weights(k, 0u);
    result[0] = coefficients.x * input.y + coefficients.y * input.x + coefficients.w * input.z;
    for (var j = 0u; j < cell_bound(H); j++) {
      let w = cell_gru_row_weights(k, j);
      result[1u + j] = coefficients.x * w.y + coefficients.y * w.x + coefficients.z * w.z;
    }
    result[row] += g.z;
    return result;
  }
  // Row 0: Σ_k (W_dec[k, 0] + σ(ρ) ε W_dec[k, 1]) · (row k + 1), accumulated as two rows and combined.
  var rho = cell_params[cell_ar_decoder + 2u * H + 1u];
  var second: array<f32, STATE_SIZE>;
  for (var k = 0u; k < cell_bound(H); k++) {
    let g = cell_gru_gates(&state, 1u, &state, 0u, k);
    let h = cell_ar_hidden_next(g, state[1u + k]);
    let w = vec2<f32>(cell_params[cell_ar_decoder + 2u * k], cell_params[cell_ar_decoder + 2u * k + 1u]);
    rho += h * w.y;
    let coefficients = cell_gru_coefficients(g, state[1u + k]);
    let input = cell_gru_input_weights(k, 0u);
    let dx = coefficients.x * input.y + coefficients.y * input.x + coefficients.w * input.z;
    result[0] += w.x * dx;
    second[0] += w.y * dx;
    for (var j = 0u; j < cell_bound(H); j++) {
      let r = cell_gru_row_weights(k, j);
      var value = coefficients.x * r.y + coefficients.y * r.x + coefficients.z * r.z;
      if (j == k) { value += g.z; }
      result[1u + j] += w.x * value;
      second[1u + j] += w.y * value;
    }
  }
  let scale = cell_sigmoid(rho) * u[0];
  for (var j = 0u; j < STATE_SIZE; j++) { result[j] += scale * second[j]; }
  return result;
}
`;
  const extra = new Float64Array(2 * parameters.hidden + 2);
  extra.set(decoder.kernel);
  extra.set(decoder.bias, 2 * parameters.hidden);
  return { code, parameters: packGatedParameters(parameters, extra), key: wgslKey('ar-gru', code) };
}
