import type { Tensor } from '@elk/cells';
import type { Random } from '../analysis/random.ts';

/**
 * The AR-GRU's parameters (the paper's Fig. 4 model): a flax GRUCell with input size 1 and hidden size H,
 * and a linear decoder from h_t to (μ_t, ρ_t):
 *
 *   r = σ(x W_ir + b_ir + h W_hr), z = σ(x W_iz + b_iz + h W_hz),
 *   n = tanh(x W_in + b_in + r ⊙ (h W_hn + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h,
 *   [μ, ρ] = h' W_dec + b_dec, x' = μ + softplus(ρ) ε.
 *
 * All parameters live in one Float64Array (for Adam); each name maps to a slice. Kernels are [in, out]
 * (x @ kernel), as flax stores them.
 */
export interface ParameterLayout {
  /** Name → shape and offset into the flat vector. */
  entries: { name: string; shape: number[]; offset: number; size: number }[];
  /** Total number of parameters. */
  size: number;
  hidden: number;
}

/** Safetensors names of the GRU part (flax GRUCell) and of the decoder, as `@elk/cells`' `arGru` reads them. */
export const ARGRU_NAMES = {
  gru: [
    'ir.kernel',
    'ir.bias',
    'iz.kernel',
    'iz.bias',
    'in.kernel',
    'in.bias',
    'hr.kernel',
    'hz.kernel',
    'hn.kernel',
    'hn.bias',
  ],
  decoderKernel: 'decoder.kernel',
  decoderBias: 'decoder.bias',
} as const;

/** The layout of an AR-GRU with `hidden` units (input size 1, decoder to 2 outputs). */
export function parameterLayout(hidden: number): ParameterLayout {
  const shapes: [string, number[]][] = [
    ['ir.kernel', [1, hidden]],
    ['ir.bias', [hidden]],
    ['iz.kernel', [1, hidden]],
    ['iz.bias', [hidden]],
    ['in.kernel', [1, hidden]],
    ['in.bias', [hidden]],
    ['hr.kernel', [hidden, hidden]],
    ['hz.kernel', [hidden, hidden]],
    ['hn.kernel', [hidden, hidden]],
    ['hn.bias', [hidden]],
    [ARGRU_NAMES.decoderKernel, [hidden, 2]],
    [ARGRU_NAMES.decoderBias, [2]],
  ];
  let offset = 0;
  const entries = shapes.map(([name, shape]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const entry = { name, shape, offset, size };
    offset += size;
    return entry;
  });
  return { entries, size: offset, hidden };
}

/** Offsets of each block in the flat vector, for the hand-written forward and backward passes. */
export interface ParameterOffsets {
  ir: number;
  irBias: number;
  iz: number;
  izBias: number;
  in: number;
  inBias: number;
  hr: number;
  hz: number;
  hn: number;
  hnBias: number;
  out: number;
  outBias: number;
}

/** The offsets of {@link parameterLayout}'s blocks. */
export function parameterOffsets(layout: ParameterLayout): ParameterOffsets {
  const at = (name: string): number => {
    const entry = layout.entries.find((e) => e.name === name);
    if (!entry) throw new Error(`no parameter ${name}`);
    return entry.offset;
  };
  return {
    ir: at('ir.kernel'),
    irBias: at('ir.bias'),
    iz: at('iz.kernel'),
    izBias: at('iz.bias'),
    in: at('in.kernel'),
    inBias: at('in.bias'),
    hr: at('hr.kernel'),
    hz: at('hz.kernel'),
    hn: at('hn.kernel'),
    hnBias: at('hn.bias'),
    out: at(ARGRU_NAMES.decoderKernel),
    outBias: at(ARGRU_NAMES.decoderBias),
  };
}

/**
 * Initial parameters: input and decoder kernels lecun-normal (std 1/√fan_in), recurrent kernels
 * N(0, 1/H) (near-orthogonal for small H), biases zero.
 */
export function initialParameters(layout: ParameterLayout, random: Random): Float64Array {
  const parameters = new Float64Array(layout.size);
  for (const entry of layout.entries) {
    if (entry.name.endsWith('.bias')) continue;
    const fanIn = entry.shape[0] ?? 1;
    for (let i = 0; i < entry.size; i++) parameters[entry.offset + i] = random.normal() / Math.sqrt(fanIn);
  }
  return parameters;
}

/** The parameters as named f32 tensors, ready for safetensors. */
export function parametersToTensors(
  layout: ParameterLayout,
  parameters: Float64Array,
): Record<string, Tensor> {
  const tensors: Record<string, Tensor> = {};
  for (const entry of layout.entries) {
    tensors[entry.name] = {
      shape: [...entry.shape],
      data: Float32Array.from(parameters.subarray(entry.offset, entry.offset + entry.size)),
    };
  }
  return tensors;
}

/** Reads named tensors back into a flat vector (throws when a tensor is missing or has the wrong shape). */
export function tensorsToParameters(layout: ParameterLayout, tensors: Record<string, Tensor>): Float64Array {
  const parameters = new Float64Array(layout.size);
  for (const entry of layout.entries) {
    const tensor = tensors[entry.name];
    if (!tensor) throw new Error(`missing tensor '${entry.name}'`);
    if (tensor.shape.join(',') !== entry.shape.join(',')) {
      throw new Error(`tensor '${entry.name}' has shape [${tensor.shape}], expected [${entry.shape}]`);
    }
    parameters.set(tensor.data, entry.offset);
  }
  return parameters;
}
