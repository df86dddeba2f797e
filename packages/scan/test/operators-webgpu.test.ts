import { describeWebGpu, runCompute } from '@elk/testing';
import { beforeAll, expect, it } from 'vitest';
import {
  type AffineDenseElement,
  type AffineDiagonalElement,
  affineDenseOperator,
  affineDiagonalOperator,
  associativeScan,
  type ScanOperator,
} from '../src/index.ts';
import { epsilon32, random } from './oracle.ts';

/** How a test moves one operator's elements between the CPU and flat f32 storage buffers. */
interface ElementCodec<Element> {
  operator: ScanOperator<Element>;
  /** Floats per element in a buffer. */
  size: number;
  toFloats(element: Element): number[];
  fromFloats(floats: ArrayLike<number>): Element;
  /** A random element with f32-representable entries. */
  random(next: () => number): Element;
  /** The element with every entry replaced by its absolute value (combining these bounds |terms|). */
  magnitude(element: Element): Element;
  /** WGSL: `fn load_<tag>(base: u32, index: u32) -> E` and `fn store_<tag>(base: u32, index: u32, e: E)`. */
  wgslAccess(tag: string): string;
}

const f32 = Math.fround;

const diagonalCodec: ElementCodec<AffineDiagonalElement> = {
  operator: affineDiagonalOperator,
  size: 2,
  toFloats: ({ a, b }) => [a, b],
  fromFloats: (floats) => ({ a: floats[0]!, b: floats[1]! }),
  random: (next) => ({ a: f32(2 * next() - 1), b: f32(2 * next() - 1) }),
  magnitude: ({ a, b }) => ({ a: Math.abs(a), b: Math.abs(b) }),
  wgslAccess: (tag) => /* wgsl */ `
fn load_${tag}(base: u32, index: u32) -> AffineDiagonal {
  return AffineDiagonal(source_elements[base + 2u * index], source_elements[base + 2u * index + 1u]);
}
fn store_${tag}(base: u32, index: u32, element: AffineDiagonal) {
  result_elements[base + 2u * index] = element.a;
  result_elements[base + 2u * index + 1u] = element.b;
}`,
};

function denseCodec(dim: number): ElementCodec<AffineDenseElement> {
  const operator = affineDenseOperator(dim);
  const type = operator.wgsl.elementType;
  const squared = dim * dim;
  const size = squared + dim;
  return {
    operator,
    size,
    toFloats: ({ A, b }) => [...A, ...b],
    fromFloats: (floats) => ({
      A: Float64Array.from({ length: squared }, (_, k) => floats[k]!),
      b: Float64Array.from({ length: dim }, (_, k) => floats[squared + k]!),
    }),
    random: (next) => ({
      A: Float64Array.from({ length: squared }, () => f32((2 * next() - 1) / dim)),
      b: Float64Array.from({ length: dim }, () => f32(2 * next() - 1)),
    }),
    magnitude: ({ A, b }) => ({ A: A.map(Math.abs), b: b.map(Math.abs) }),
    wgslAccess: (tag) => /* wgsl */ `
fn load_${tag}(base: u32, index: u32) -> ${type} {
  var element: ${type};
  let start = base + ${size}u * index;
  for (var k = 0u; k < ${squared}u; k++) { element.A[k] = source_elements[start + k]; }
  for (var k = 0u; k < ${dim}u; k++) { element.b[k] = source_elements[start + ${squared}u + k]; }
  return element;
}
fn store_${tag}(base: u32, index: u32, element: ${type}) {
  var copy = element;
  let start = base + ${size}u * index;
  for (var k = 0u; k < ${squared}u; k++) { result_elements[start + k] = copy.A[k]; }
  for (var k = 0u; k < ${dim}u; k++) { result_elements[start + ${squared}u + k] = copy.b[k]; }
}`,
  };
}

/** Asserts |gpu − cpu| ≤ factor·ε32·magnitude entrywise, with the entries laid out by the codec. */
function expectClose<Element>(
  codec: ElementCodec<Element>,
  gpu: Float32Array,
  cpu: Element[],
  magnitudes: Element[],
  factor: (index: number) => number,
): void {
  cpu.forEach((element, index) => {
    const expected = codec.toFloats(element);
    const bound = codec.toFloats(magnitudes[index]!);
    expected.forEach((value, k) => {
      const actual = gpu[index * codec.size + k]!;
      const allowed = factor(index) * epsilon32 * bound[k]! + 1e-30;
      if (!(Math.abs(actual - value) <= allowed)) {
        expect.fail(`element ${index}, entry ${k}: GPU ${actual}, CPU ${value}, allowed error ${allowed}`);
      }
    });
  });
}

/** One check inside the shared shader: its data, its WGSL (invocation `i`), and the CPU comparison. */
interface Task {
  label: string;
  input: number[];
  outputSize: number;
  invocations: number;
  /** WGSL statements for invocation `i`, with `input_base` and `output_base` in scope. */
  body: string;
  check(output: Float32Array): void;
}

/** combine(earlier, later) and combine(identity, earlier) on random pairs. */
function pairsTask<Element>(label: string, codec: ElementCodec<Element>, tag: string): Task {
  const pairs = 256;
  const next = random(pairs * codec.size);
  const elements = Array.from({ length: 2 * pairs }, () => codec.random(next));
  const { combine, identity } = codec.operator;
  const wgsl = codec.operator.wgsl;
  return {
    label: `${label}: combine and identity on random pairs match the CPU`,
    input: elements.flatMap(codec.toFloats),
    outputSize: 2 * pairs * codec.size,
    invocations: pairs,
    body: `if (i >= ${pairs}u) { return; }
  let earlier = load_${tag}(input_base, 2u * i);
  let later = load_${tag}(input_base, 2u * i + 1u);
  store_${tag}(output_base, 2u * i, ${wgsl.combine.name}(earlier, later));
  store_${tag}(output_base, 2u * i + 1u, ${wgsl.combine.name}(${wgsl.identity.name}(), earlier));`,
    check(output) {
      const expected: Element[] = [];
      const magnitudes: Element[] = [];
      for (let pair = 0; pair < pairs; pair++) {
        const earlier = elements[2 * pair]!;
        const later = elements[2 * pair + 1]!;
        expected.push(combine(earlier, later), combine(identity(), earlier));
        magnitudes.push(combine(codec.magnitude(earlier), codec.magnitude(later)), codec.magnitude(earlier));
      }
      expectClose(codec, output, expected, magnitudes, () => codec.size);
    },
  };
}

/** A sequential scan loop in WGSL (one invocation per sequence) against associativeScan on the CPU. */
function scanTask<Element>(label: string, codec: ElementCodec<Element>, tag: string, reverse: boolean): Task {
  const [batch, length] = [8, 48];
  const next = random(batch * length + codec.size + (reverse ? 1 : 0));
  const elements = Array.from({ length: batch * length }, () => codec.random(next));
  const { combine, identity } = codec.operator.wgsl;
  return {
    label: `${label}: a sequential WGSL scan loop matches associativeScan (${reverse ? 'reverse' : 'forward'})`,
    input: elements.flatMap(codec.toFloats),
    outputSize: batch * length * codec.size,
    invocations: batch,
    body: `if (i >= ${batch}u) { return; }
  var accumulated = ${identity.name}();
  for (var step = 0u; step < ${length}u; step++) {
    let t = ${reverse ? `${length - 1}u - step` : 'step'};
    let index = i * ${length}u + t;
    accumulated = ${combine.name}(accumulated, load_${tag}(input_base, index));
    store_${tag}(output_base, index, accumulated);
  }`,
    check(output) {
      const expected: Element[] = [];
      const magnitudes: Element[] = [];
      for (let sequence = 0; sequence < batch; sequence++) {
        const slice = elements.slice(sequence * length, (sequence + 1) * length);
        expected.push(...associativeScan(codec.operator, slice, { reverse }));
        magnitudes.push(...associativeScan(codec.operator, slice.map(codec.magnitude), { reverse }));
      }
      // Each step adds at most `size` roundings of the running magnitude: a linear growth in the depth.
      expectClose(codec, output, expected, magnitudes, (index) => {
        const t = index % length;
        const depth = reverse ? length - t : t + 1;
        return codec.size * (depth + 1);
      });
    },
  };
}

const operatorCases: [string, ElementCodec<AffineDiagonalElement> | ElementCodec<AffineDenseElement>][] = [
  ['affineDiagonalOperator', diagonalCodec],
  ...[1, 2, 4].map((dim): [string, ElementCodec<AffineDenseElement>] => [
    `affineDenseOperator(${dim})`,
    denseCodec(dim),
  ]),
];

/** Every operator's WGSL composed into one module, run in one dispatch (workgroup row y = task y). */
function composeShader(): { code: string; tasks: Task[]; inputBases: number[]; outputBases: number[] } {
  const pieces: string[] = [];
  const tasks: Task[] = [];
  operatorCases.forEach(([label, codec], index) => {
    const tag = `operator_${index}`;
    const typed = codec as ElementCodec<unknown>;
    const { wgsl } = typed.operator;
    pieces.push(wgsl.combine.code, wgsl.identity.code, typed.wgslAccess(tag));
    tasks.push(
      pairsTask(label, typed, tag),
      scanTask(label, typed, tag, false),
      scanTask(label, typed, tag, true),
    );
  });
  const inputBases: number[] = [];
  const outputBases: number[] = [];
  let [inputSize, outputSize] = [0, 0];
  for (const task of tasks) {
    inputBases.push(inputSize);
    outputBases.push(outputSize);
    inputSize += task.input.length;
    outputSize += task.outputSize;
  }
  const taskFunctions = tasks.map(
    (task, index) => `fn task_${index}(i: u32) {
  let input_base = ${inputBases[index]}u;
  let output_base = ${outputBases[index]}u;
  ${task.body}
}`,
  );
  const dispatch = tasks.map((_, index) => `  if (id.y == ${index}u) { task_${index}(id.x); }`).join('\n');
  const code = `@group(0) @binding(0) var<storage, read> source_elements: array<f32>;
@group(0) @binding(1) var<storage, read_write> result_elements: array<f32>;
${pieces.join('\n')}
${taskFunctions.join('\n')}
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) {
${dispatch}
}`;
  return { code, tasks, inputBases, outputBases };
}

// All checks share one shader module and one dispatch.
const { code, tasks, inputBases, outputBases } = composeShader();

describeWebGpu('scan operators in WGSL', (gpu) => {
  let output: Float32Array | undefined;

  beforeAll(async () => {
    const input = Float32Array.from(tasks.flatMap((task) => task.input));
    const outputSize = tasks.reduce((total, task) => total + task.outputSize, 0);
    const widest = Math.max(...tasks.map((task) => task.invocations));
    [output] = await runCompute(
      gpu().device,
      code,
      [
        { data: input, readOnly: true },
        { data: new Float32Array(outputSize), output: true },
      ],
      [Math.ceil(widest / 64), tasks.length, 1],
    );
  }, 120_000);

  tasks.forEach((task, index) => {
    it(task.label, () => {
      expect(output).toBeDefined();
      const start = outputBases[index]!;
      task.check(output!.subarray(start, start + task.outputSize));
      expect(inputBases[index]).toBeGreaterThanOrEqual(0);
    });
  });
});
