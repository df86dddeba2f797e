/**
 * Forward-mode automatic differentiation with dual numbers carrying D tangent directions, and the scalar
 * algebra that a cell written once with {@link defineCell} runs on (plain numbers or duals).
 *
 * A dual number is v + Σ_d t_d ε_d with ε_d ε_e = 0: every operation maps (v, t) to (g(v), g'(v) t), so
 * seeding the inputs with unit tangents yields exact Jacobian columns (Griewank & Walther, "Evaluating
 * Derivatives", ch. 3).
 *
 * @module
 */

/**
 * A value of the scalar algebra, or a plain number (a constant).
 *
 * @example
 * ```ts
 * const half: Operand<Dual> = 0.5; // numbers mix freely with duals
 * ```
 */
export type Operand<T> = T | number;

/**
 * The scalar operations a user cell is written with. The same `step` runs with `T = number` (values)
 * and with `T = Dual` (values and derivatives).
 *
 * @example
 * ```ts
 * const logistic = <T>(x: T, m: ScalarOps<T>) => m.div(1, m.add(1, m.exp(m.neg(x))));
 * logistic(0, NUMBER_OPS); // 0.5
 * ```
 */
export interface ScalarOps<T> {
  /** The primal value (for branches such as `relu`, or `max`). */
  value(x: Operand<T>): number;
  add(a: Operand<T>, b: Operand<T>): T;
  sub(a: Operand<T>, b: Operand<T>): T;
  mul(a: Operand<T>, b: Operand<T>): T;
  div(a: Operand<T>, b: Operand<T>): T;
  neg(a: Operand<T>): T;
  /** Σ terms (0 for none). */
  sum(terms: readonly Operand<T>[]): T;
  /** Σ_i a_i b_i over the shorter length. */
  dot(a: readonly Operand<T>[], b: readonly Operand<T>[]): T;
  exp(a: Operand<T>): T;
  log(a: Operand<T>): T;
  sqrt(a: Operand<T>): T;
  /** a^p for a constant exponent p. */
  pow(a: Operand<T>, p: number): T;
  sin(a: Operand<T>): T;
  cos(a: Operand<T>): T;
  tanh(a: Operand<T>): T;
  sigmoid(a: Operand<T>): T;
  softplus(a: Operand<T>): T;
  relu(a: Operand<T>): T;
}

/**
 * A dual number: value and `tangent` (one entry per direction).
 *
 * @example
 * ```ts
 * const x: Dual = dualOps(1).variable(2, 0); // { value: 2, tangent: [1] }
 * ```
 */
export interface Dual {
  readonly value: number;
  readonly tangent: Float64Array;
}

type Unary = (x: number) => number;

function numberOps(): ScalarOps<number> {
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
  return {
    value: (x) => x,
    add: (a, b) => a + b,
    sub: (a, b) => a - b,
    mul: (a, b) => a * b,
    div: (a, b) => a / b,
    neg: (a) => -a,
    sum: (terms) => terms.reduce((total, term) => total + term, 0),
    dot: (a, b) => {
      let total = 0;
      for (let index = 0; index < Math.min(a.length, b.length); index++)
        total += (a[index] ?? 0) * (b[index] ?? 0);
      return total;
    },
    exp: Math.exp,
    log: Math.log,
    sqrt: Math.sqrt,
    pow: (a, p) => a ** p,
    sin: Math.sin,
    cos: Math.cos,
    tanh: Math.tanh,
    sigmoid,
    softplus: (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))),
    relu: (x) => Math.max(x, 0),
  };
}

/**
 * The scalar algebra on plain numbers.
 *
 * @example
 * ```ts
 * NUMBER_OPS.tanh(NUMBER_OPS.add(1, 2)); // Math.tanh(3)
 * ```
 */
export const NUMBER_OPS: ScalarOps<number> = numberOps();

/**
 * The dual-number algebra with `directions` tangent directions.
 *
 * @example
 * ```ts
 * const ops = dualOps(2);
 * const x = ops.variable(3, 0); // x = 3, ∂/∂x
 * const y = ops.variable(4, 1);
 * const f = ops.mul(x, y); // value 12, tangent [4, 3]
 * ```
 */
export function dualOps(directions: number): ScalarOps<Dual> & {
  /** A variable with value `value` and unit tangent along `direction`. */
  variable(value: number, direction: number): Dual;
  /** A constant (zero tangent). */
  constant(value: number): Dual;
} {
  const zero = new Float64Array(directions);
  const constant = (value: number): Dual => ({ value, tangent: zero });
  const lift = (x: Operand<Dual>): Dual => (typeof x === 'number' ? constant(x) : x);
  const unary =
    (g: Unary, derivative: (value: number, result: number) => number) =>
    (a: Operand<Dual>): Dual => {
      const x = lift(a);
      const value = g(x.value);
      const slope = derivative(x.value, value);
      const tangent = new Float64Array(directions);
      for (let d = 0; d < directions; d++) tangent[d] = slope * (x.tangent[d] ?? 0);
      return { value, tangent };
    };
  const combine = (x: Dual, y: Dual, value: number, dx: number, dy: number): Dual => {
    const tangent = new Float64Array(directions);
    for (let d = 0; d < directions; d++) tangent[d] = dx * (x.tangent[d] ?? 0) + dy * (y.tangent[d] ?? 0);
    return { value, tangent };
  };
  const add = (a: Operand<Dual>, b: Operand<Dual>): Dual => {
    const x = lift(a);
    const y = lift(b);
    return combine(x, y, x.value + y.value, 1, 1);
  };
  const mul = (a: Operand<Dual>, b: Operand<Dual>): Dual => {
    const x = lift(a);
    const y = lift(b);
    return combine(x, y, x.value * y.value, y.value, x.value);
  };
  const plain = NUMBER_OPS;
  return {
    variable(value, direction) {
      const tangent = new Float64Array(directions);
      tangent[direction] = 1;
      return { value, tangent };
    },
    constant,
    value: (x) => lift(x).value,
    add,
    sub: (a, b) => {
      const x = lift(a);
      const y = lift(b);
      return combine(x, y, x.value - y.value, 1, -1);
    },
    mul,
    div: (a, b) => {
      const x = lift(a);
      const y = lift(b);
      const value = x.value / y.value;
      return combine(x, y, value, 1 / y.value, -value / y.value);
    },
    neg: unary(
      (x) => -x,
      () => -1,
    ),
    sum: (terms) => terms.reduce<Dual>((total, term) => add(total, term), constant(0)),
    dot: (a, b) => {
      let total = constant(0);
      for (let index = 0; index < Math.min(a.length, b.length); index++) {
        total = add(total, mul(a[index] ?? 0, b[index] ?? 0));
      }
      return total;
    },
    exp: unary(Math.exp, (_x, result) => result),
    log: unary(Math.log, (x) => 1 / x),
    sqrt: unary(Math.sqrt, (_x, result) => 0.5 / result),
    pow: (a, p) =>
      unary(
        (x) => x ** p,
        (x) => p * x ** (p - 1),
      )(a),
    sin: unary(Math.sin, Math.cos),
    cos: unary(Math.cos, (x) => -Math.sin(x)),
    tanh: unary(Math.tanh, (_x, result) => 1 - result * result),
    sigmoid: unary(plain.sigmoid, (_x, result) => result * (1 - result)),
    softplus: unary(plain.softplus, (x) => plain.sigmoid(x)),
    relu: unary(plain.relu, (x) => (x > 0 ? 1 : 0)),
  };
}
