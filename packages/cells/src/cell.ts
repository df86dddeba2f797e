/**
 * The Cell contract: everything the solvers and the WebGPU backend need of a recurrence
 * s_t = f(s_{t-1}, u_t).
 *
 * @module
 */

/**
 * A CPU float array; its type sets the precision of a computation.
 *
 * @example
 * ```ts
 * const states: FloatArray = new Float64Array(batch * cell.stateSize); // f64 results
 * ```
 */
export type FloatArray = Float32Array | Float64Array;

/**
 * A named tensor, as read from and written to safetensors. `data` is row-major.
 *
 * @example
 * ```ts
 * const kernel: Tensor = { shape: [1, 8], data: new Float32Array(8) };
 * ```
 */
export interface Tensor {
  shape: number[];
  data: Float32Array | Float64Array;
}

/**
 * A cell's WGSL twin, for kernels that evaluate one sequence element per invocation.
 *
 * The backend declares, before `code`:
 * - `const STATE_SIZE: u32` and `const INPUT_SIZE: u32` (the cell's sizes),
 * - `@group(G) @binding(N) var<storage, read> cell_params: array<f32>;` holding {@link CellWgsl.parameters}.
 *
 * `code` then defines (names fixed, sizes through the constants above):
 * - `fn cell_step(s: array<f32, STATE_SIZE>, u: array<f32, INPUT_SIZE>) -> array<f32, STATE_SIZE>`  (f)
 * - `fn cell_step_diagonal(s, u, diagonal: ptr<function, array<f32, STATE_SIZE>>) -> array<f32, STATE_SIZE>`
 *   (f, and writes diag(∂f/∂s) to `diagonal`)
 * - `fn cell_jacobian_row(s, u, row: u32) -> array<f32, STATE_SIZE>` (row `row` of ∂f/∂s: ∂f_row/∂s_j over j)
 *
 * When `INPUT_SIZE` is 0 the backend still passes `array<f32, 1>` and declares `INPUT_SIZE` as 1;
 * `inputSize` below remains the cell's true size.
 *
 * Every other name the code declares (constants, structs, helper functions) starts with `cell_`. The code
 * may call `arrayLength(&cell_params)` (the twins of this package do, to keep loop bounds opaque to the
 * shader compiler), so `cell_params` must be declared as the runtime-sized `array<f32>` above.
 *
 * @example
 * ```ts
 * const { code, parameters, key } = gru({ hidden: 8, input: 1 }).wgsl!;
 * const shader = `const STATE_SIZE: u32 = 8u;\nconst INPUT_SIZE: u32 = 1u;\n` +
 *   `@group(0) @binding(0) var<storage, read> cell_params: array<f32>;\n${code}\n${myKernel}`;
 * ```
 */
export interface CellWgsl {
  /** WGSL source defining the functions above; may define helpers prefixed `cell_`. */
  readonly code: string;
  /** Parameters, packed as the WGSL reads them from `cell_params`. */
  readonly parameters: Float32Array;
  /** A stable key of the code (not the parameter values), for pipeline caches. */
  readonly key: string;
}

/**
 * A recurrence cell s_t = f(s_{t-1}, u_t) with state size D and input size I, batched on the CPU.
 *
 * Arrays are row-major: states [batch, D], inputs [batch, I], Jacobians [batch, D, D] with
 * `J[b, i, j] = ∂f_i/∂s_j`, diagonals [batch, D]. The output has the type of `states`
 * (Float64Array in, Float64Array out): that type sets the precision. `out`, when given, is written
 * and returned (no allocation); it must not alias `states`. Arrays of the wrong length throw
 * `CellConfigError`.
 *
 * @example
 * ```ts
 * const cell: Cell = gru({ hidden: 4, input: 2 });
 * const values = new Float64Array(batch * 4);
 * const diagonal = new Float64Array(batch * 4);
 * cell.linearize(states, inputs, batch, 'diagonal', values, diagonal);
 * ```
 */
export interface Cell {
  /** A short name, e.g. `'gru'`. */
  readonly name: string;
  /** D, the state size. */
  readonly stateSize: number;
  /** I, the input (driver) size; may be 0. */
  readonly inputSize: number;
  /** f(s, u) for each of `batch` rows. */
  step(states: FloatArray, inputs: FloatArray, batch: number, out?: FloatArray): FloatArray;
  /** ∂f/∂s, dense, for each row. */
  jacobian(states: FloatArray, inputs: FloatArray, batch: number, out?: FloatArray): FloatArray;
  /** diag(∂f/∂s) for each row, computed analytically where the cell allows. */
  jacobianDiagonal(states: FloatArray, inputs: FloatArray, batch: number, out?: FloatArray): FloatArray;
  /**
   * f and the Jacobian in one pass (sharing the gate computations): writes f to `values` and
   * ∂f/∂s to `jacobian` ([batch, D, D] when `mode` is `'dense'`, [batch, D] when `'diagonal'`).
   */
  linearize(
    states: FloatArray,
    inputs: FloatArray,
    batch: number,
    mode: 'dense' | 'diagonal',
    values: FloatArray,
    jacobian: FloatArray,
  ): void;
  /** The WGSL twin; absent for a user cell defined without WGSL (it then runs on the CPU only). */
  readonly wgsl?: CellWgsl;
}
