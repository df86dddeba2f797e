import type { ScanOperator } from './operator.ts';

/** One element of the diagonal (scalar) affine scan: the map x ↦ a x + b. */
export interface AffineDiagonalElement {
  readonly a: number;
  readonly b: number;
}

const wgslStruct = 'AffineDiagonal';

/**
 * The associative operator of the scalar affine recurrence x_t = a_t x_{t-1} + b_t (one state component of
 * {@link scanAffineDiagonal}): elements are maps x ↦ a x + b, combined as
 *
 *   combine((a₁, b₁), (a₂, b₂)) = (a₂ a₁, a₂ b₁ + b₂)     (apply (a₁, b₁) first, then (a₂, b₂))
 *
 * with identity (1, 0). Its WGSL twin declares `struct AffineDiagonal { a: f32, b: f32 }` and the functions
 * `affine_diagonal_combine(earlier, later)` and `affine_diagonal_identity()`.
 *
 * @example
 * ```ts
 * affineDiagonalOperator.combine({ a: 2, b: 1 }, { a: 3, b: 4 }); // { a: 6, b: 7 }: x ↦ 3(2x + 1) + 4
 * associativeScan(affineDiagonalOperator, elements).map((e) => e.b); // the states x_t from x_0 = 0
 * ```
 */
export const affineDiagonalOperator: ScanOperator<AffineDiagonalElement> = {
  name: 'affine-diagonal',
  combine: (earlier, later) => ({ a: later.a * earlier.a, b: later.a * earlier.b + later.b }),
  identity: () => ({ a: 1, b: 0 }),
  wgsl: {
    elementType: wgslStruct,
    combine: {
      name: 'affine_diagonal_combine',
      code: /* wgsl */ `struct ${wgslStruct} {
  a: f32,
  b: f32,
}

fn affine_diagonal_combine(earlier: ${wgslStruct}, later: ${wgslStruct}) -> ${wgslStruct} {
  return ${wgslStruct}(later.a * earlier.a, later.a * earlier.b + later.b);
}
`,
    },
    identity: {
      name: 'affine_diagonal_identity',
      code: /* wgsl */ `fn affine_diagonal_identity() -> ${wgslStruct} {
  return ${wgslStruct}(1.0, 0.0);
}
`,
    },
  },
};
