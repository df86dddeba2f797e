import { gru, readSafetensors, writeSafetensors } from '@elk/cells';

/** A GRU from a safetensors file's bytes; the layout (flax or PyTorch) is detected from the tensor names. */
export function loadGru(bytes: Uint8Array, hidden: number, input: number) {
  return gru({ hidden, input, weights: readSafetensors(bytes) });
}

// Files as flax and PyTorch would write them, made here from a seeded cell so the example runs anywhere.
export const original = gru({ hidden: 8, input: 3, seed: 7 });
const flaxFile = writeSafetensors(original.weights('flax')); // ir.kernel [3, 8], hn.bias [8], …
const torchFile = writeSafetensors(original.weights('torch')); // weight_ih_l0 [24, 3], bias_hh_l0 [24], …

export const fromFlax = loadGru(flaxFile, 8, 3);
export const fromTorch = loadGru(torchFile, 8, 3);
console.log(Object.keys(readSafetensors(torchFile))); // the same cell, whichever file it came from
