/**
 * minGRU (Feng, Tung, Ahmed, Bengio & Hajimirsadeghi, "Were RNNs All We Needed?", 2024), with its WGSL twin.
 *
 * @module
 */
import type { Cell, Tensor } from './cell.ts';
import { createCellFromKernel } from './cell-kernel.ts';
import { DEFAULT_SEED } from './gru.ts';
import { lecunNormal } from './initializers.ts';
import { nonNegativeInteger, positiveInteger } from './options.ts';
import { createRandom } from './random.ts';
import { readWeight, tensor, transpose } from './weights.ts';
import { u32, WGSL_ACTIVATIONS, wgslKey } from './wgsl-common.ts';

/**
 * Options of {@link minGru}.
 *
 * @example
 * ```ts
 * const cell = minGru({ hidden: 32, input: 4, seed: 1 });
 * ```
 */
export interface MinGruOptions {
  /** H, the hidden (state) size. */
  hidden: number;
  /** I, the input size. */
  input: number;
  /** flax-style names: `z.kernel`, `h.kernel` [I, H]; `z.bias`, `h.bias` [H]. */
  weights?: Record<string, Tensor>;
  /** Seed of the default initialisation (lecun-normal kernels, zero biases; default {@link DEFAULT_SEED}). */
  seed?: number;
}

/**
 * A minGRU cell: a {@link Cell} that also exposes its weights.
 *
 * @example
 * ```ts
 * const cell: MinGruCell = minGru({ hidden: 32, input: 4 });
 * const weights = cell.weights(); // z.kernel, z.bias, h.kernel, h.bias
 * ```
 */
export interface MinGruCell extends Cell {
  readonly hidden: number;
  readonly input: number;
  /** The weights as flax-style named tensors. */
  weights(): Record<string, Tensor>;
}

/**
 * minGRU: z = σ(x W_z + b_z), h̃ = x W_h + b_h, h' = (1 - z) ⊙ h + z ⊙ h̃. The gates do not depend on h,
 * so ∂h'/∂h = diag(1 - z) exactly: quasi-DEER is exact (Newton) for this cell.
 *
 * @example
 * ```ts
 * const cell = minGru({ hidden: 8, input: 4, seed: 2 });
 * const next = cell.step(new Float64Array(8), new Float64Array(4).fill(1), 1);
 * ```
 */
export function minGru(options: MinGruOptions): MinGruCell {
  const hidden = positiveInteger('hidden', options.hidden);
  const input = nonNegativeInteger('input', options.input);
  let gateKernel: Float64Array;
  let candidateKernel: Float64Array;
  let gateBias: Float64Array = new Float64Array(hidden);
  let candidateBias: Float64Array = new Float64Array(hidden);
  if (options.weights) {
    gateKernel = transpose(readWeight(options.weights, 'z.kernel', [input, hidden]), input, hidden);
    candidateKernel = transpose(readWeight(options.weights, 'h.kernel', [input, hidden]), input, hidden);
    gateBias = readWeight(options.weights, 'z.bias', [hidden]);
    candidateBias = readWeight(options.weights, 'h.bias', [hidden]);
  } else {
    const random = createRandom(options.seed ?? DEFAULT_SEED);
    gateKernel =
      input > 0 ? transpose(lecunNormal(random, input, hidden), input, hidden) : new Float64Array(0);
    candidateKernel =
      input > 0 ? transpose(lecunNormal(random, input, hidden), input, hidden) : new Float64Array(0);
  }
  const packed = new Float32Array(2 * hidden * input + 2 * hidden);
  packed.set(gateKernel, 0);
  packed.set(candidateKernel, hidden * input);
  packed.set(gateBias, 2 * hidden * input);
  packed.set(candidateBias, 2 * hidden * input + hidden);
  const code = /* wgsl */ `
const cell_min_gru_input: u32 = ${u32(input)};
${WGSL_ACTIVATIONS}
// (z, h̃) of unit k.
fn cell_min_gru_unit(x: ptr<function, array<f32, INPUT_SIZE>>, k: u32) -> vec2<f32> {
  let H = STATE_SIZE;
  let I = cell_bound(cell_min_gru_input);
  var gate = cell_params[2u * H * I + k];
  var candidate = cell_params[2u * H * I + H + k];
  for (var i = 0u; i < I; i++) {
    gate += cell_params[k * I + i] * (*x)[i];
    candidate += cell_params[H * I + k * I + i] * (*x)[i];
  }
  return vec2<f32>(cell_sigmoid(gate), candidate);
}

fn cell_step(s: array<f32, STATE_SIZE>, u: array<f32, INPUT_SIZE>) -> array<f32, STATE_SIZE> {
  var x = u;
  var out: array<f32, STATE_SIZE>;
  for (var k = 0u; k < cell_bound(STATE_SIZE); k++) {
    let unit = cell_min_gru_unit(&x, k);
    out[k] = (1.0 - unit.x) * s[k] + unit.x * unit.y;
  }
  return out;
}

fn cell_step_diagonal(
  s: array<f32, STATE_SIZE>, u: array<f32, INPUT_SIZE>, diagonal: ptr<function, array<f32, STATE_SIZE>>,
) -> array<f32, STATE_SIZE> {
  var x = u;
  var out: array<f32, STATE_SIZE>;
  for (var k = 0u; k < cell_bound(STATE_SIZE); k++) {
    let unit = cell_min_gru_unit(&x, k);
    out[k] = (1.0 - unit.x) * s[k] + unit.x * unit.y;
    (*diagonal)[k] = 1.0 - unit.x;
  }
  return out;
}

fn cell_jacobian_row(s: array<f32, STATE_SIZE>, u: array<f32, INPUT_SIZE>, row: u32) -> array<f32, STATE_SIZE> {
  var x = u;
  var result: array<f32, STATE_SIZE>;
  result[row] = 1.0 - cell_min_gru_unit(&x, row).x;
  return result;
}
`;
  return createCellFromKernel(
    {
      name: 'min-gru',
      stateSize: hidden,
      inputSize: input,
      kernel: (states, so, inputs, io, values, vo, mode, jacobian, jo) => {
        if (mode === 'dense') jacobian.fill(0, jo, jo + hidden * hidden);
        for (let k = 0; k < hidden; k++) {
          let gate = gateBias[k] ?? 0;
          let candidate = candidateBias[k] ?? 0;
          for (let i = 0; i < input; i++) {
            const x = inputs[io + i] ?? 0;
            gate += (gateKernel[k * input + i] ?? 0) * x;
            candidate += (candidateKernel[k * input + i] ?? 0) * x;
          }
          const z = 1 / (1 + Math.exp(-gate));
          values[vo + k] = (1 - z) * (states[so + k] ?? 0) + z * candidate;
          if (mode === 'dense') jacobian[jo + k * hidden + k] = 1 - z;
          else if (mode === 'diagonal') jacobian[jo + k] = 1 - z;
        }
      },
      wgsl: { code, parameters: packed, key: wgslKey('min-gru', code) },
    },
    {
      hidden,
      input,
      weights: () => ({
        'z.kernel': tensor([input, hidden], transpose(gateKernel, hidden, input)),
        'z.bias': tensor([hidden], gateBias),
        'h.kernel': tensor([input, hidden], transpose(candidateKernel, hidden, input)),
        'h.bias': tensor([hidden], candidateBias),
      }),
    },
  );
}
