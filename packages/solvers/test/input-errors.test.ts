import { gru } from '@elk/cells';
import { describe, expect, it } from 'vitest';
import { createCpuBackend, type EvaluateOptions, evaluate, SolverInputError } from '../src/index.ts';

const cell = gru({ hidden: 3, input: 2, seed: 1 });
const valid: EvaluateOptions = {
  inputs: new Float64Array(2 * 5 * 2),
  initialState: new Float64Array(2 * 3),
  method: 'quasi-deer',
};

async function rejection(options: Record<string, unknown>): Promise<SolverInputError> {
  try {
    await evaluate(cell, { ...valid, ...options } as EvaluateOptions);
  } catch (error) {
    if (error instanceof SolverInputError) return error;
    throw error;
  }
  throw new Error('expected a SolverInputError');
}

describe('bad input', () => {
  it('wrong input shape names inputs and the expected multiple', async () => {
    const error = await rejection({ inputs: new Float64Array(7) });
    expect(error.argument).toBe('inputs');
    expect(error.expected).toContain('batch 2 × inputSize 2');
  });
  it('a state size other than the cell size names initialState', async () => {
    const error = await rejection({ initialState: new Float64Array(2 * 4), batch: 2 });
    expect(error.argument).toBe('initialState');
    expect(error.expected).toContain('length 6');
  });
  it('T = 0', async () => {
    expect((await rejection({ inputs: new Float64Array(0) })).argument).toBe('inputs');
    expect((await rejection({ length: 0 })).argument).toBe('length');
  });
  it('unknown method', async () => {
    const error = await rejection({ method: 'newton' });
    expect(error.argument).toBe('method');
    expect(error.expected).toContain("'quasi-elk'");
  });
  it('negative or non-finite λ', async () => {
    expect((await rejection({ method: 'elk', lambda: -1 })).argument).toBe('lambda');
    expect((await rejection({ method: 'elk', lambda: Number.NaN })).argument).toBe('lambda');
  });
  it('NaN in the inputs, the initial state or the initial guess', async () => {
    const inputs = new Float64Array(20);
    inputs[7] = Number.NaN;
    const error = await rejection({ inputs });
    expect(error.argument).toBe('inputs');
    expect(error.received).toContain('index 7');
    const initialState = new Float64Array(6);
    initialState[0] = Number.NaN;
    expect((await rejection({ initialState })).argument).toBe('initialState');
    const initialGuess = new Float64Array(30).fill(Number.POSITIVE_INFINITY);
    expect((await rejection({ initialGuess })).argument).toBe('initialGuess');
    expect((await rejection({ initialGuess: new Float64Array(29) })).argument).toBe('initialGuess');
  });
  it('bad options name themselves', async () => {
    expect((await rejection({ tolerance: -1 })).argument).toBe('tolerance');
    expect((await rejection({ maxIterations: 0 })).argument).toBe('maxIterations');
    expect((await rejection({ estimator: 'average' })).argument).toBe('estimator');
    expect((await rejection({ stopping: 'never' })).argument).toBe('stopping');
    expect((await rejection({ criterion: 'norm' })).argument).toBe('criterion');
    expect((await rejection({ checkEvery: 1.5 })).argument).toBe('checkEvery');
    expect((await rejection({ predictStop: 'yes' })).argument).toBe('predictStop');
    expect((await rejection({ batch: 0 })).argument).toBe('batch');
    expect((await rejection({ inputs: [1, 2] })).argument).toBe('inputs');
  });
  it('a cell without inputs needs length', async () => {
    const free = { ...cell, inputSize: 0 };
    await expect(
      evaluate(free, { inputs: new Float64Array(0), initialState: new Float64Array(3), method: 'deer' }),
    ).rejects.toThrow(/length/);
  });
  it('session primitives check their arguments', async () => {
    const backend = createCpuBackend();
    const session = await backend.createSession({
      cell,
      batch: 1,
      length: 4,
      inputs: new Float64Array(8),
      initialState: new Float64Array(3),
    });
    session.linearize('diagonal');
    expect(() => session.solveAffine('dense')).toThrow(SolverInputError);
    expect(() => session.setLambda(-1)).toThrow(SolverInputError);
    expect(() => session.setActive(new Uint8Array(2))).toThrow(SolverInputError);
    expect(() => session.writeStates(new Float64Array(5))).toThrow(SolverInputError);
    expect(() => createCpuBackend({ diagonalScan: 'kahan' as 'plain' })).toThrow(SolverInputError);
    backend.destroy();
  });
});
