/**
 * `@elk/cells`: the recurrent cell zoo — f, exact Jacobians (dense and diagonal), WGSL twins — and
 * safetensors weights.
 *
 * @module
 */
export { type ArGruCell, type ArGruOptions, type ArGruSampleOptions, arGru } from './ar-gru.ts';
export type { Cell, CellWgsl, FloatArray, Tensor } from './cell.ts';
export { type CellStepFunction, type DefineCellOptions, defineCell } from './define-cell.ts';
export { type Dual, dualOps, NUMBER_OPS, type Operand, type ScalarOps } from './dual.ts';
export { type ElmanCell, type ElmanOptions, elman } from './elman.ts';
export { CellConfigError, SafetensorsError, WeightsError } from './errors.ts';
export type { GatedParameters } from './gated-parameters.ts';
export { DEFAULT_SEED, type GruCell, type GruOptions, gru } from './gru.ts';
export { lecunNormal, orthogonal, TRUNCATED_NORMAL_STDDEV, torchUniform } from './initializers.ts';
export {
  LORENZ96_DEFAULTS,
  type Lorenz96Cell,
  type Lorenz96Integrator,
  type Lorenz96Options,
  lorenz96,
} from './lorenz96.ts';
export { type LstmCell, type LstmOptions, lstm } from './lstm.ts';
export { type MinGruCell, type MinGruOptions, minGru } from './min-gru.ts';
export { createRandom, type Random, TRUNCATED_NORMAL_BOUND } from './random.ts';
export {
  readSafetensors,
  readSafetensorsFile,
  SAFETENSORS_MAX_HEADER_BYTES,
  type SafetensorsDtype,
  writeSafetensors,
} from './safetensors.ts';
export type { WeightsLayout } from './weights.ts';
export { wgslKey } from './wgsl-common.ts';
