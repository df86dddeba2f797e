import type { Cell } from '@elk/cells';
import type { ConvergenceCriterion, KalmanEstimator, Precision } from './backend.ts';
import { defaultMaxIterations, solverDefaults } from './defaults.ts';
import { describeValue, SolverInputError } from './errors.ts';
import { type EvaluateOptions, type Method, methods, type StoppingRule } from './evaluate-options.ts';
import { checkCell, checkInteger } from './validate-problem.ts';

/** `evaluate`'s options with every default applied and every value checked. */
export interface ResolvedOptions {
  readonly cell: Cell;
  readonly method: Method;
  readonly batch: number;
  readonly length: number;
  readonly tolerance: number;
  readonly criterion: ConvergenceCriterion;
  readonly maxIterations: number;
  readonly lambda: number | 'adaptive';
  readonly estimator: KalmanEstimator;
  readonly stopping: StoppingRule;
  readonly reset: boolean;
  readonly checkEvery: number;
  readonly readAhead: number;
  readonly predictStop: boolean;
}

function oneOf<Value extends string>(argument: string, value: unknown, allowed: readonly Value[]): Value {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new SolverInputError(
      argument,
      `one of ${allowed.map((v) => `'${v}'`).join(', ')}`,
      describeValue(value),
    );
  }
  return value as Value;
}

/**
 * Resolves the sizes and defaults of `evaluate` (array contents are checked by the backend's
 * `createSession`).
 *
 * @throws {@link SolverInputError} naming the first offending option.
 */
export function resolveOptions<Projection>(
  cellArgument: unknown,
  options: EvaluateOptions<Projection>,
  precision: Precision,
  backend: {
    readonly checkEvery?: number;
    readonly readAhead?: number;
    readonly predictStop?: boolean;
  } = {},
): ResolvedOptions {
  const cell = checkCell(cellArgument);
  if (options === null || typeof options !== 'object') {
    throw new SolverInputError('options', 'an options object', describeValue(options));
  }
  const method = oneOf('method', options.method, methods);
  const D = cell.stateSize;
  const I = cell.inputSize;
  const { inputs, initialState } = options;
  if (!(inputs instanceof Float32Array || inputs instanceof Float64Array)) {
    throw new SolverInputError(
      'inputs',
      'a Float32Array or Float64Array [batch, length, inputSize]',
      describeValue(inputs),
    );
  }
  if (!(initialState instanceof Float32Array || initialState instanceof Float64Array)) {
    throw new SolverInputError(
      'initialState',
      'a Float32Array or Float64Array [batch, stateSize]',
      describeValue(initialState),
    );
  }
  let batch: number;
  if (options.batch !== undefined) batch = checkInteger('batch', options.batch, 1);
  else {
    if (initialState.length === 0 || initialState.length % D !== 0) {
      throw new SolverInputError(
        'initialState',
        `a positive multiple of stateSize ${D} values`,
        describeValue(initialState),
      );
    }
    batch = initialState.length / D;
  }
  if (initialState.length !== batch * D) {
    throw new SolverInputError(
      'initialState',
      `length ${batch * D} (batch ${batch} × stateSize ${D})`,
      describeValue(initialState),
    );
  }
  let length: number;
  if (options.length !== undefined) length = checkInteger('length', options.length, 1);
  else if (I === 0) {
    throw new SolverInputError(
      'length',
      'the sequence length (required: the cell has no inputs)',
      'undefined',
    );
  } else {
    const perStep = batch * I;
    if (inputs.length % perStep !== 0) {
      throw new SolverInputError(
        'inputs',
        `a multiple of batch ${batch} × inputSize ${I} values`,
        describeValue(inputs),
      );
    }
    length = inputs.length / perStep;
    if (length < 1)
      throw new SolverInputError('inputs', 'at least one step (length T ≥ 1)', describeValue(inputs));
  }

  const criterion = oneOf('criterion', options.criterion ?? solverDefaults.criterion, [
    'step',
    'merit',
  ] as const);
  const maxIterations = checkInteger(
    'maxIterations',
    options.maxIterations ?? defaultMaxIterations(length),
    1,
  );
  let lambda: number | 'adaptive' =
    method === 'quasi-elk' ? solverDefaults.lambda['quasi-elk'] : solverDefaults.lambda.elk;
  if (options.lambda !== undefined) {
    if (
      options.lambda !== 'adaptive' &&
      !(typeof options.lambda === 'number' && options.lambda >= 0 && Number.isFinite(options.lambda))
    ) {
      throw new SolverInputError(
        'lambda',
        "a finite number ≥ 0 or 'adaptive'",
        describeValue(options.lambda),
      );
    }
    lambda = options.lambda;
  }
  const estimator = oneOf('estimator', options.estimator ?? solverDefaults.estimator, [
    'smoother',
    'filter',
  ] as const);
  const stopping = oneOf('stopping', options.stopping ?? solverDefaults.stopping[precision], [
    'precision-aware',
    'reference',
  ] as const);
  const tolerance = options.tolerance ?? solverDefaults.tolerance[stopping][precision];
  if (typeof tolerance !== 'number' || !(tolerance >= 0) || !Number.isFinite(tolerance)) {
    throw new SolverInputError('tolerance', 'a finite number ≥ 0', describeValue(tolerance));
  }
  const reset = options.reset ?? solverDefaults.reset;
  if (typeof reset !== 'boolean') throw new SolverInputError('reset', 'a boolean', describeValue(reset));
  const checkEvery = checkInteger(
    'checkEvery',
    options.checkEvery ?? backend.checkEvery ?? solverDefaults.checkEvery,
    1,
  );
  const readAhead = checkInteger(
    'readAhead',
    options.readAhead ?? backend.readAhead ?? solverDefaults.readAhead,
    0,
  );
  const predictStop = options.predictStop ?? backend.predictStop ?? solverDefaults.predictStop;
  if (typeof predictStop !== 'boolean') {
    throw new SolverInputError('predictStop', 'a boolean', describeValue(predictStop));
  }
  if (
    options.trace !== undefined &&
    typeof options.trace !== 'boolean' &&
    typeof options.trace !== 'function'
  ) {
    throw new SolverInputError('trace', 'a boolean or a projection function', describeValue(options.trace));
  }
  return {
    cell,
    method,
    batch,
    length,
    tolerance,
    criterion,
    maxIterations,
    lambda,
    estimator,
    stopping,
    reset,
    checkEvery,
    readAhead,
    predictStop,
  };
}
