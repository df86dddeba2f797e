export type { ScanOperator, WgslFunction } from './operator.ts';
