/**
 * Typed errors of the WebGPU backend. Every error names the argument or limit at fault and what was expected.
 *
 * @module
 */

/**
 * Base class of every error thrown by `@elk/webgpu`.
 *
 * @example
 * ```ts
 * try { await evaluate(cell, { ...options, backend }); } catch (error) { if (error instanceof WebGpuBackendError) … }
 * ```
 */
export class WebGpuBackendError extends Error {
  override name = 'WebGpuBackendError';
}

/**
 * No WebGPU implementation or adapter could be obtained (no `navigator.gpu`, dawn.node missing, or
 * `requestAdapter()` returned null).
 *
 * @example
 * ```ts
 * try { await createWebGpuBackend(); } catch (error) { if (error instanceof WebGpuUnavailableError) useCpu(); }
 * ```
 */
export class WebGpuUnavailableError extends WebGpuBackendError {
  override name = 'WebGpuUnavailableError';
}

/**
 * An argument has the wrong type, length or value.
 *
 * @example
 * ```ts
 * new WebGpuInputError('inputs', 'a Float32Array of length 12 (batch × length × inputSize)', 'length 10');
 * ```
 */
export class WebGpuInputError extends WebGpuBackendError {
  override name = 'WebGpuInputError';
  /** The offending argument's name. */
  readonly argument: string;
  constructor(argument: string, expected: string, received: string) {
    super(`${argument}: expected ${expected}, received ${received}`);
    this.argument = argument;
  }
}

/**
 * A problem is too large for the device: an array exceeds `maxBufferSize`, or one sequence's array exceeds
 * `maxStorageBufferBindingSize` (arrays are split across bindings by whole sequences, never inside one).
 *
 * @example
 * ```ts
 * new WebGpuSizeError('states', 'one sequence of at most 134217728 bytes (maxStorageBufferBindingSize)', '2e9 bytes');
 * ```
 */
export class WebGpuSizeError extends WebGpuBackendError {
  override name = 'WebGpuSizeError';
  /** The array or size at fault. */
  readonly argument: string;
  constructor(argument: string, expected: string, received: string) {
    super(`${argument}: expected ${expected}, received ${received}`);
    this.argument = argument;
  }
}

/**
 * The state size D is beyond what a kernel supports (dense scans: D ≤ 64; full Kalman/ELK: D ≤ 8).
 *
 * @example
 * ```ts
 * new WebGpuUnsupportedDimensionError('stateSize', 8, 12, 'the dense Kalman step (ELK)');
 * ```
 */
export class WebGpuUnsupportedDimensionError extends WebGpuBackendError {
  override name = 'WebGpuUnsupportedDimensionError';
  /** The largest supported D. */
  readonly limit: number;
  /** The D that was asked for. */
  readonly received: number;
  constructor(argument: string, limit: number, received: number, what: string) {
    super(`${argument}: expected at most ${limit} for ${what}, received ${received}`);
    this.limit = limit;
    this.received = received;
  }
}

/**
 * The GPU device was lost (driver reset, `destroy()`, out of memory); the backend cannot be used further.
 *
 * @example
 * ```ts
 * catch (error) { if (error instanceof WebGpuDeviceLostError) backend = await createWebGpuBackend(); }
 * ```
 */
export class WebGpuDeviceLostError extends WebGpuBackendError {
  override name = 'WebGpuDeviceLostError';
}

/**
 * WebGPU reported a validation or out-of-memory error for work the backend enqueued (raised by the next read).
 *
 * @example
 * ```ts
 * await expect(session.readStatus()).rejects.toThrow(WebGpuExecutionError);
 * ```
 */
export class WebGpuExecutionError extends WebGpuBackendError {
  override name = 'WebGpuExecutionError';
}
