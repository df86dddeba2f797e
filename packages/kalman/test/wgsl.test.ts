import { describeWebGpu, runCompute } from '@elk/testing';
import { expect, it } from 'vitest';
import {
  type DiagonalFilterElement,
  type DiagonalSmootherElement,
  diagonalFilterOperator,
  diagonalSmootherOperator,
  type FullFilterElement,
  type FullSmootherElement,
  fullFilterOperator,
  fullSmootherOperator,
  kalmanFilter,
  kalmanSmoother,
  MAX_FULL_WGSL_DIM,
} from '../src/index.ts';
import {
  buildDiagonalFilterElements,
  buildDiagonalSmootherElements,
  parallelFilterDiagonal,
} from '../src/parallel-diagonal.ts';
import { resolveModel } from '../src/resolved-model.ts';
import { randomDiagonalModel, randomSpd, relativeError } from './support/models.ts';
import { createRandom, type Random } from './support/random.ts';

/** An operator's elements as flat floats, with the WGSL that loads/stores them from `array<f32>` buffers. */
interface Codec<Element> {
  operator: {
    combine(earlier: Element, later: Element): Element;
    identity(): Element;
    wgsl: {
      elementType: string;
      combine: { name: string; code: string };
      identity: { name: string; code: string };
    };
  };
  /** Field names and their float counts, in buffer order. */
  fields: [string, number][];
  random(random: Random): Element;
}

const size = (codec: Codec<unknown>) => codec.fields.reduce((sum, [, count]) => sum + count, 0);

function toFloats<Element>(codec: Codec<Element>, element: Element): number[] {
  const record = element as Record<string, number | Float64Array>;
  return codec.fields.flatMap(([name]) => {
    const value = record[name]!;
    return typeof value === 'number' ? [value] : Array.from(value);
  });
}

/** WGSL `load(buffer, index) -> E` / `store(index, e)` for the codec's fields (scalars or arrays). */
function accessWgsl(codec: Codec<unknown>): string {
  const type = codec.operator.wgsl.elementType;
  const stride = size(codec);
  let offset = 0;
  const loads: string[] = [];
  const stores: string[] = [];
  for (const [name, count] of codec.fields) {
    const scalar = codec.operator.identity() as Record<string, unknown>;
    if (typeof scalar[name] === 'number') {
      loads.push(`e.${name} = source[${stride}u * index + ${offset}u];`);
      stores.push(`output[${stride}u * index + ${offset}u] = copy.${name};`);
    } else {
      loads.push(
        `for (var k = 0u; k < ${count}u; k++) { e.${name}[k] = source[${stride}u * index + ${offset}u + k]; }`,
      );
      stores.push(
        `for (var k = 0u; k < ${count}u; k++) { output[${stride}u * index + ${offset}u + k] = copy.${name}[k]; }`,
      );
    }
    offset += count;
  }
  return /* wgsl */ `
fn load_earlier(index: u32) -> ${type} { var e: ${type}; ${loads.join(' ').replaceAll('source', 'earlier')} return e; }
fn load_later(index: u32) -> ${type} { var e: ${type}; ${loads.join(' ').replaceAll('source', 'later')} return e; }
fn store(index: u32, element: ${type}) { var copy = element; ${stores.join(' ')} }`;
}

/** GPU combine(earlier[i], later[i]) and combine(identity, earlier[i]) for every i. */
async function combineOnGpu<Element>(device: GPUDevice, codec: Codec<Element>, pairs: [Element, Element][]) {
  const { wgsl } = codec.operator;
  const code = /* wgsl */ `${wgsl.combine.code}
${wgsl.identity.code}
@group(0) @binding(0) var<storage, read> earlier: array<f32>;
@group(0) @binding(1) var<storage, read> later: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;
${accessWgsl(codec as Codec<unknown>)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let count = ${pairs.length}u;
  if (id.x >= count) { return; }
  store(id.x, ${wgsl.combine.name}(load_earlier(id.x), load_later(id.x)));
  store(count + id.x, ${wgsl.combine.name}(${wgsl.identity.name}(), load_earlier(id.x)));
}`;
  const [output] = await runCompute(
    device,
    code,
    [
      { data: Float32Array.from(pairs.flatMap(([e]) => toFloats(codec, e))), readOnly: true },
      { data: Float32Array.from(pairs.flatMap(([, l]) => toFloats(codec, l))), readOnly: true },
      { data: new Float32Array(2 * pairs.length * size(codec as Codec<unknown>)), output: true },
    ],
    Math.ceil(pairs.length / 64),
  );
  return output!;
}

/** Rounds every number of an element to f32, so the CPU combines exactly what the GPU receives. */
function roundElement<Element>(element: Element): Element {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(element as Record<string, number | Float64Array>)) {
    out[key] = typeof value === 'number' ? Math.fround(value) : value.map(Math.fround);
  }
  return out as Element;
}

async function checkCodec<Element>(
  device: GPUDevice,
  codec: Codec<Element>,
  seed: number,
  tolerance: number,
) {
  const random = createRandom(seed);
  const pairs = Array.from(
    { length: 200 },
    () => [roundElement(codec.random(random)), roundElement(codec.random(random))] as [Element, Element],
  );
  const output = await combineOnGpu(device, codec, pairs);
  const expected = pairs.flatMap(([e, l]) => toFloats(codec, codec.operator.combine(e, l)));
  const identity = pairs.flatMap(([e]) => toFloats(codec, e));
  expect(relativeError(output.subarray(0, expected.length), expected)).toBeLessThan(tolerance);
  expect(relativeError(output.subarray(expected.length), identity)).toBeLessThan(1e-6);
}

/** The largest full-form dimension checked on WebGPU in every run (larger ones compile slowly on lavapipe). */
const FAST_WGSL_DIM = 6;

const diagonalFilterCodec: Codec<DiagonalFilterElement> = {
  operator: diagonalFilterOperator,
  fields: [
    ['A', 1],
    ['b', 1],
    ['C', 1],
    ['eta', 1],
    ['J', 1],
  ],
  random: (r) => ({ A: r.normal(), b: r.normal(), C: r.uniform(0, 2), eta: r.normal(), J: r.uniform(0, 2) }),
};

const diagonalSmootherCodec: Codec<DiagonalSmootherElement> = {
  operator: diagonalSmootherOperator,
  fields: [
    ['E', 1],
    ['g', 1],
    ['L', 1],
  ],
  random: (r) => ({ E: r.normal(), g: r.normal(), L: r.uniform(0, 2) }),
};

function fullFilterCodec(D: number): Codec<FullFilterElement> {
  return {
    operator: fullFilterOperator(D),
    fields: [
      ['A', D * D],
      ['b', D],
      ['C', D * D],
      ['eta', D],
      ['J', D * D],
    ],
    random: (r) => ({
      A: Float64Array.from({ length: D * D }, () => r.normal() / Math.sqrt(D)),
      b: Float64Array.from({ length: D }, () => r.normal()),
      C: Float64Array.from(randomSpd(r, D, 1, 0.05)),
      eta: Float64Array.from({ length: D }, () => r.normal()),
      J: Float64Array.from(randomSpd(r, D, 1, 0.05)),
    }),
  };
}

function fullSmootherCodec(D: number): Codec<FullSmootherElement> {
  return {
    operator: fullSmootherOperator(D),
    fields: [
      ['E', D * D],
      ['g', D],
      ['L', D * D],
    ],
    random: (r) => ({
      E: Float64Array.from({ length: D * D }, () => r.normal() / Math.sqrt(D)),
      g: Float64Array.from({ length: D }, () => r.normal()),
      L: Float64Array.from(randomSpd(r, D, 1, 0.05)),
    }),
  };
}

describeWebGpu('Kalman combination operators: WGSL = CPU', (gpu) => {
  it('diagonal filter combination and identity', async () => {
    await checkCodec(gpu().device, diagonalFilterCodec, 81, 1e-5);
  });

  it('diagonal smoother combination and identity', async () => {
    await checkCodec(gpu().device, diagonalSmootherCodec, 82, 1e-5);
  });

  it(`full filter and smoother combinations, D = 1..${FAST_WGSL_DIM}`, async () => {
    for (let D = 1; D <= FAST_WGSL_DIM; D++) {
      await checkCodec(gpu().device, fullFilterCodec(D), 83 + D, 1e-4);
      await checkCodec(gpu().device, fullSmootherCodec(D), 93 + D, 1e-5);
    }
  });

  // lavapipe's LLVM takes ~20 s (cold shader cache) to compile the unrolled D = 7, 8 filter combine.
  it(`full filter and smoother combinations, D = ${FAST_WGSL_DIM + 1}..${MAX_FULL_WGSL_DIM}`, async () => {
    for (let D = FAST_WGSL_DIM + 1; D <= MAX_FULL_WGSL_DIM; D++) {
      await checkCodec(gpu().device, fullFilterCodec(D), 83 + D, 1e-4);
      await checkCodec(gpu().device, fullSmootherCodec(D), 93 + D, 1e-5);
    }
  });

  it('per-lane folds of the diagonal WGSL combinations reproduce the filter (forward) and smoother (reverse)', async () => {
    const D = 3;
    const T = 300;
    const batch = 2;
    const { model, observations } = randomDiagonalModel(createRandom(90), {
      batch,
      length: T,
      stateDim: D,
      stable: false,
      constant: false,
      precision: 'f32',
    });
    const resolved = resolveModel(model, observations, {});
    const filterElements = buildDiagonalFilterElements(resolved);
    const filterOutput = await foldOnGpu(
      gpu().device,
      diagonalFilterOperator,
      'KalmanDiagonalFilterElement',
      [filterElements.A, filterElements.b, filterElements.C, filterElements.eta, filterElements.J],
      ['b', 'C'],
      { batch, T, D, reverse: false },
    );
    const filtered = kalmanFilter(model, Float64Array.from(observations));
    expect(relativeError(filterOutput[0]!, filtered.means)).toBeLessThan(1e-4);
    expect(relativeError(filterOutput[1]!, filtered.covariances)).toBeLessThan(1e-4);
    const filteredF64 = parallelFilterDiagonal(resolved);
    const smootherElements = buildDiagonalSmootherElements(
      resolved,
      filteredF64.means,
      filteredF64.variances,
    );
    const smootherOutput = await foldOnGpu(
      gpu().device,
      diagonalSmootherOperator,
      'KalmanDiagonalSmootherElement',
      [smootherElements.E, smootherElements.g, smootherElements.L],
      ['g', 'L'],
      { batch, T, D, reverse: true },
    );
    const smoothed = kalmanSmoother(model, Float64Array.from(observations));
    expect(relativeError(smootherOutput[0]!, smoothed.means)).toBeLessThan(1e-4);
    expect(relativeError(smootherOutput[1]!, smoothed.covariances)).toBeLessThan(1e-4);
  });
});

/**
 * One invocation per (sequence, lane) folds the operator's WGSL combine over the steps (from the end when
 * `reverse`), writing two fields of every prefix. `fields` are the element's [batch, T, D] arrays in struct order.
 */
async function foldOnGpu(
  device: GPUDevice,
  operator: Codec<unknown>['operator'],
  struct: string,
  fields: Float64Array[],
  outputs: [string, string],
  { batch, T, D, reverse }: { batch: number; T: number; D: number; reverse: boolean },
): Promise<[Float32Array, Float32Array]> {
  const count = batch * T * D;
  const stride = fields.length;
  const packed = new Float32Array(count * stride);
  for (let k = 0; k < count; k++)
    fields.forEach((field, f) => {
      packed[stride * k + f] = field[k]!;
    });
  const { wgsl } = operator;
  const load = fields.map((_, f) => `elements[${stride}u * k + ${f}u]`).join(', ');
  const code = /* wgsl */ `${wgsl.combine.code}
${wgsl.identity.code}
@group(0) @binding(0) var<storage, read> elements: array<f32>;
@group(0) @binding(1) var<storage, read_write> output: array<f32>;
@compute @workgroup_size(8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  if (id.x >= ${batch * D}u) { return; }
  let sequence = id.x / ${D}u;
  let lane = id.x % ${D}u;
  var prefix = ${wgsl.identity.name}();
  // A bound read from the buffer, so the compiler keeps a loop instead of unrolling every step.
  let steps = arrayLength(&output) / ${2 * batch * D}u;
  for (var step = 0u; step < steps; step++) {
    let t = ${reverse ? 'steps - 1u - step' : 'step'};
    let k = (sequence * steps + t) * ${D}u + lane;
    prefix = ${wgsl.combine.name}(prefix, ${struct}(${load}));
    output[k] = prefix.${outputs[0]};
    output[${count}u + k] = prefix.${outputs[1]};
  }
}`;
  const [output] = await runCompute(
    device,
    code,
    [
      { data: packed, readOnly: true },
      { data: new Float32Array(2 * count), output: true },
    ],
    Math.ceil((batch * D) / 8),
  );
  return [output!.slice(0, count), output!.slice(count)];
}
