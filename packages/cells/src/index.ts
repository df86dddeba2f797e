export type { Cell, CellWgsl, FloatArray, Tensor } from './cell.ts';
