import { readFileSync } from 'node:fs';
import { readSafetensors, type Tensor } from '@elk/cells';
import { UsageError } from '../cli/usage-error.ts';

/**
 * Reads a safetensors file given on the command line; an unreadable or malformed file is a
 * {@link UsageError} naming the option.
 */
export function readTensorFile(option: string, path: string): Record<string, Tensor> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (error) {
    throw new UsageError(option, 'a readable safetensors file', `${path} (${String(error)})`);
  }
  try {
    return readSafetensors(bytes);
  } catch (error) {
    throw new UsageError(
      option,
      'a valid safetensors file',
      `${path} (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

/** A problem's data read from `--inputs`: `inputs` [B, T, I] and `initial_state` [B, D], as f32. */
export interface InputsFile {
  batch: number;
  length: number;
  inputSize: number;
  stateSize: number;
  inputs: Float32Array;
  initialState: Float32Array;
}

/** Reads and checks an `--inputs` file (tensors `inputs` [B, T, I] and `initial_state` [B, D]). */
export function readInputsFile(path: string): InputsFile {
  const tensors = readTensorFile('--inputs', path);
  const inputs = tensors.inputs;
  const initialState = tensors.initial_state;
  if (inputs?.shape.length !== 3) {
    throw new UsageError(
      '--inputs',
      "a tensor 'inputs' of shape [B, T, I]",
      `${path} (${inputs ? `[${inputs.shape}]` : 'missing'})`,
    );
  }
  const [batch = 0, length = 0, inputSize = 0] = inputs.shape;
  if (initialState?.shape.length !== 2 || initialState.shape[0] !== batch) {
    throw new UsageError(
      '--inputs',
      `a tensor 'initial_state' of shape [${batch}, D]`,
      `${path} (${initialState ? `[${initialState.shape}]` : 'missing'})`,
    );
  }
  return {
    batch,
    length,
    inputSize,
    stateSize: initialState.shape[1] ?? 0,
    inputs: Float32Array.from(inputs.data),
    initialState: Float32Array.from(initialState.data),
  };
}

/** The hidden size of flax GRUCell weights (`hn.kernel` is [H, H]), or a usage error. */
export function gruHiddenSize(tensors: Record<string, Tensor>): { hidden: number; input: number } {
  const find = (suffix: string) =>
    Object.entries(tensors).find(([name]) => name === suffix || name.endsWith(`.${suffix}`))?.[1];
  const hn = find('hn.kernel');
  const inKernel = find('in.kernel');
  if (hn?.shape.length !== 2 || !inKernel || inKernel.shape.length !== 2) {
    throw new UsageError('--weights', "flax GRUCell tensors ('hn.kernel' [H, H], 'in.kernel' [I, H], …)");
  }
  return { hidden: hn.shape[0] ?? 0, input: inKernel.shape[0] ?? 0 };
}
