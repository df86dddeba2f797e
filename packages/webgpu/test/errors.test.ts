import { type Cell, gru } from '@elk/cells';
import { describeWebGpu } from '@elk/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createWebGpuBackend,
  requestWebGpuDevice,
  type WebGpuBackend,
  WebGpuDeviceLostError,
  WebGpuInputError,
  WebGpuSizeError,
  WebGpuUnsupportedDimensionError,
} from '../src/index.ts';
import { randomArray, testBackend, watchDispatches } from './helpers.ts';

function problem(cell: Cell, batch: number, length: number) {
  return {
    cell,
    batch,
    length,
    inputs: randomArray(batch * length * cell.inputSize, 1, -1, 1),
    initialState: new Float32Array(batch * cell.stateSize),
  };
}

describeWebGpu('typed errors', (gpu) => {
  let backend: WebGpuBackend;
  beforeAll(async () => {
    expect(gpu().device).toBeDefined();
    backend = await testBackend();
  });
  afterAll(() => backend.destroy());

  it('rejects the dense Kalman step (ELK) beyond D = 8, naming the limit', async () => {
    const session = await backend.createSession(problem(gru({ hidden: 9, input: 1, seed: 1 }), 1, 4));
    session.linearize('dense');
    expect(() => session.solveKalman({ mode: 'dense', estimator: 'smoother', lambda: 1 })).toThrow(
      WebGpuUnsupportedDimensionError,
    );
    expect(() => session.solveKalman({ mode: 'dense', estimator: 'filter', lambda: 1 })).toThrow(/at most 8/);
    session.destroy();
  });

  it('rejects the dense affine scan (DEER) beyond D = 64', async () => {
    const session = await backend.createSession(problem(gru({ hidden: 65, input: 1, seed: 1 }), 1, 2));
    session.linearize('dense');
    expect(() => session.solveAffine('dense')).toThrow(WebGpuUnsupportedDimensionError);
    session.destroy();
  });

  it('rejects a sequence larger than one storage binding (no silent truncation)', async () => {
    const small = await testBackend({ maxBindingBytes: 1024 });
    await expect(small.createSession(problem(gru({ hidden: 4, input: 1, seed: 1 }), 2, 100))).rejects.toThrow(
      WebGpuSizeError,
    );
    await expect(
      small.scanAffineDiagonal({
        a: new Float32Array(400),
        b: new Float32Array(400),
        batch: 1,
        length: 100,
        dim: 4,
      }),
    ).rejects.toThrow(/maxStorageBufferBindingSize/);
    small.destroy();
  });

  it('rejects bad problems with the argument named', async () => {
    const cell = gru({ hidden: 3, input: 2, seed: 1 });
    const good = problem(cell, 2, 5);
    await expect(backend.createSession({ ...good, inputs: new Float32Array(3) })).rejects.toThrow(/inputs/);
    await expect(backend.createSession({ ...good, batch: 0 })).rejects.toThrow(WebGpuInputError);
    const nan = good.inputs.slice();
    nan[3] = Number.NaN;
    await expect(backend.createSession({ ...good, inputs: nan })).rejects.toThrow(/NaN/);
    const { wgsl: _wgsl, ...cpuOnly } = cell;
    await expect(backend.createSession({ ...good, cell: { ...cpuOnly, step: cell.step } })).rejects.toThrow(
      /WGSL twin/,
    );
    const session = await backend.createSession(good);
    session.linearize('diagonal');
    expect(() => session.solveAffine('dense')).toThrow(/mode/);
    expect(() => session.setActive(new Uint8Array(3))).toThrow(/active/);
    expect(() => session.setLambda(-1)).toThrow(/lambda/);
    session.destroy();
  });

  it('rejects an unknown scanUpdate choice, naming the option', async () => {
    await expect(
      createWebGpuBackend({ device: gpu().device, scanUpdate: 'no' as unknown as boolean }),
    ).rejects.toThrow(WebGpuInputError);
    await expect(
      createWebGpuBackend({ device: gpu().device, scanUpdate: 1 as unknown as boolean }),
    ).rejects.toThrow(/scanUpdate/);
  });

  it('rejects a predictStop that is not a boolean, naming the option', async () => {
    await expect(
      createWebGpuBackend({ device: gpu().device, predictStop: 'yes' as unknown as boolean }),
    ).rejects.toThrow(/predictStop: expected a boolean/);
    const backend = await createWebGpuBackend({ device: gpu().device, predictStop: false });
    expect(backend.predictStop).toBe(false);
    backend.destroy();
  });

  it('rejects an unknown scan variant, naming the option', async () => {
    await expect(
      createWebGpuBackend({ device: gpu().device, scanVariant: 'two-pass' as unknown as 'auto' }),
    ).rejects.toThrow(/scanVariant: expected 'auto', 'three-pass' or 'single-pass'/);
    const backend = await createWebGpuBackend({ device: gpu().device });
    const ones = new Float32Array(4).fill(1);
    await expect(
      backend.scanAffineDiagonal({
        a: ones,
        b: ones,
        batch: 1,
        length: 1,
        dim: 4,
        variant: 'fast' as unknown as 'auto',
      }),
    ).rejects.toThrow(WebGpuInputError);
    backend.destroy();
  });

  it('drops the commands of a primitive that failed while recording, and the next read says so', async () => {
    const session = await backend.createSession(problem(gru({ hidden: 4, input: 2, seed: 3 }), 2, 30));
    // The scan's second dispatch fails: its first one is already in the shared pass.
    const watch = watchDispatches(session, 'diagonal-scan/carry');
    try {
      session.linearize('diagonal');
      expect(() => session.solveAffine('diagonal')).toThrow('injected failure');
      expect(watch.count).toBeGreaterThan(1);
    } finally {
      watch.restore();
    }
    await expect(session.readStatus()).rejects.toThrow(/commands dropped after a primitive failed: injected/);
    session.destroy();
  });

  it('reports a lost device with WebGpuDeviceLostError', async () => {
    const { device } = await requestWebGpuDevice();
    const lost = await createWebGpuBackend({ device });
    device.destroy();
    await device.lost;
    await expect(lost.createSession(problem(gru({ hidden: 2, input: 1, seed: 1 }), 1, 3))).rejects.toThrow(
      WebGpuDeviceLostError,
    );
  });
});
