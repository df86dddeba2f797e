import type { ScanOperator } from './operator.ts';
import { ScanInputError } from './scan-input-error.ts';

/**
 * One element of the dense affine scan of state size `dim`: the map x ↦ A x + b, with `A` row-major
 * (`A[i * dim + j]` multiplies x_j into component i) and `b` of length `dim`.
 */
export interface AffineDenseElement {
  readonly A: Float64Array;
  readonly b: Float64Array;
}

const cache = new Map<number, ScanOperator<AffineDenseElement>>();

/**
 * The associative operator of the dense affine recurrence x_t = A_t x_{t-1} + b_t (as in
 * {@link scanAffineDense}) for state size `dim`: elements are maps x ↦ A x + b, combined as
 *
 *   combine((A₁, b₁), (A₂, b₂)) = (A₂ A₁, A₂ b₁ + b₂)     (apply (A₁, b₁) first, then (A₂, b₂))
 *
 * with identity (I, 0): DEER's scan (Lim et al., ICLR 2024). The WGSL twin is generated for this `dim`:
 * `struct AffineDense<dim> { A: array<f32, dim²>, b: array<f32, dim> }` with the functions
 * `affine_dense_<dim>_combine(earlier, later)` and `affine_dense_<dim>_identity()`. Operators are cached by
 * `dim`, so the same `dim` returns the same object (and the same WGSL).
 *
 * @throws {@link ScanInputError} when `dim` is not a positive integer.
 *
 * @example
 * ```ts
 * const operator = affineDenseOperator(2);
 * const rotate = { A: Float64Array.of(0, -1, 1, 0), b: Float64Array.of(1, 0) };
 * operator.combine(rotate, rotate); // { A: [-1, 0, 0, -1], b: [1, 1] }
 * ```
 */
export function affineDenseOperator(dim: number): ScanOperator<AffineDenseElement> {
  if (!Number.isInteger(dim) || dim < 1) throw new ScanInputError('dim', 'a positive integer', String(dim));
  let operator = cache.get(dim);
  if (operator === undefined) {
    operator = createAffineDenseOperator(dim);
    cache.set(dim, operator);
  }
  return operator;
}

function createAffineDenseOperator(dim: number): ScanOperator<AffineDenseElement> {
  const struct = `AffineDense${dim}`;
  const combineName = `affine_dense_${dim}_combine`;
  const identityName = `affine_dense_${dim}_identity`;
  return {
    name: `affine-dense-${dim}`,
    combine: (earlier, later) => combineDense(dim, earlier, later),
    identity: () => {
      const A = new Float64Array(dim * dim);
      for (let i = 0; i < dim; i++) A[i * dim + i] = 1;
      return { A, b: new Float64Array(dim) };
    },
    wgsl: {
      elementType: struct,
      combine: {
        name: combineName,
        code: /* wgsl */ `struct ${struct} {
  A: array<f32, ${dim * dim}>,
  b: array<f32, ${dim}>,
}

fn ${combineName}(earlier: ${struct}, later: ${struct}) -> ${struct} {
  var first = earlier;
  var second = later;
  var result: ${struct};
  for (var i = 0u; i < ${dim}u; i++) {
    var offset = second.b[i];
    for (var k = 0u; k < ${dim}u; k++) {
      offset += second.A[i * ${dim}u + k] * first.b[k];
    }
    result.b[i] = offset;
    for (var j = 0u; j < ${dim}u; j++) {
      var entry = 0.0;
      for (var k = 0u; k < ${dim}u; k++) {
        entry += second.A[i * ${dim}u + k] * first.A[k * ${dim}u + j];
      }
      result.A[i * ${dim}u + j] = entry;
    }
  }
  return result;
}
`,
      },
      identity: {
        name: identityName,
        code: /* wgsl */ `fn ${identityName}() -> ${struct} {
  var result: ${struct};
  for (var i = 0u; i < ${dim}u; i++) {
    result.A[i * ${dim + 1}u] = 1.0;
  }
  return result;
}
`,
      },
    },
  };
}

/** (A₂, b₂) ∘ (A₁, b₁) = (A₂ A₁, A₂ b₁ + b₂), with `earlier` = (A₁, b₁) and `later` = (A₂, b₂). */
function combineDense(
  dim: number,
  earlier: AffineDenseElement,
  later: AffineDenseElement,
): AffineDenseElement {
  const A = new Float64Array(dim * dim);
  const b = new Float64Array(dim);
  for (let i = 0; i < dim; i++) {
    const row = i * dim;
    let offset = later.b[i] as number;
    for (let k = 0; k < dim; k++) {
      const entry = later.A[row + k] as number;
      offset += entry * (earlier.b[k] as number);
      const earlierRow = k * dim;
      for (let j = 0; j < dim; j++)
        A[row + j] = (A[row + j] as number) + entry * (earlier.A[earlierRow + j] as number);
    }
    b[i] = offset;
  }
  return { A, b };
}
