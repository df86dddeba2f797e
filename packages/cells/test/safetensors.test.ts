import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arGru } from '../src/ar-gru.ts';
import type { Tensor } from '../src/cell.ts';
import { SafetensorsError } from '../src/errors.ts';
import { gru } from '../src/gru.ts';
import { lstm } from '../src/lstm.ts';
import { readSafetensors, readSafetensorsFile, writeSafetensors } from '../src/safetensors.ts';
import { buildFixtures, FIXTURE_SIZES, fixtureValue } from './fixtures/generate-fixtures.ts';
import { relativeError } from './helpers.ts';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));

/** A file from a header string and raw data bytes, laid out by hand. */
function handFile(header: string, data: number[] = [], headerLength = header.length): Uint8Array {
  const bytes = new Uint8Array(8 + header.length + data.length);
  new DataView(bytes.buffer).setUint32(0, headerLength, true);
  for (let i = 0; i < header.length; i++) bytes[8 + i] = header.charCodeAt(i);
  bytes.set(data, 8 + header.length);
  return bytes;
}

const f32 = (name: string, shape: number[], begin: number, end: number) =>
  `"${name}":{"dtype":"F32","shape":[${shape.join(',')}],"data_offsets":[${begin},${end}]}`;

describe('safetensors fixtures', () => {
  it('are the committed output of the generator', () => {
    for (const [name, bytes] of Object.entries(buildFixtures())) {
      expect(Array.from(fixture(name)), name).toEqual(Array.from(bytes));
    }
  });

  it('read back with their names, shapes, dtypes, values and metadata', () => {
    const { tensors, metadata } = readSafetensorsFile(fixture('gru-flax.safetensors'));
    expect(metadata).toEqual({ format: 'elk-fixture' });
    const { hidden, input } = FIXTURE_SIZES.gru;
    expect(tensors['ir.kernel']!.shape).toEqual([input, hidden]);
    expect(tensors['ir.kernel']!.data).toBeInstanceOf(Float32Array);
    expect(Array.from(tensors['hn.kernel']!.data)).toEqual(
      Array.from({ length: hidden * hidden }, (_, i) => fixtureValue(8, i)),
    );
    const torch = readSafetensors(fixture('gru-torch.safetensors'));
    expect(torch['weight_hh_l0']!.shape).toEqual([3 * hidden, hidden]);
    expect(torch['weight_hh_l0']!.data).toBeInstanceOf(Float64Array);
  });

  it('load GRU, LSTM and AR-GRU cells that agree between flax (F32) and PyTorch (F64) names', () => {
    const { hidden, input } = FIXTURE_SIZES.gru;
    const pairs = [
      [
        gru({ hidden, input, weights: readSafetensors(fixture('gru-flax.safetensors')) }),
        gru({ hidden, input, weights: readSafetensors(fixture('gru-torch.safetensors')) }),
      ],
      [
        lstm({ ...FIXTURE_SIZES.lstm, weights: readSafetensors(fixture('lstm-flax.safetensors')) }),
        lstm({ ...FIXTURE_SIZES.lstm, weights: readSafetensors(fixture('lstm-torch.safetensors')) }),
      ],
      [
        arGru({ ...FIXTURE_SIZES.arGru, weights: readSafetensors(fixture('ar-gru-flax.safetensors')) }),
        arGru({ ...FIXTURE_SIZES.arGru, weights: readSafetensors(fixture('ar-gru-torch.safetensors')) }),
      ],
    ] as const;
    for (const [flax, torch] of pairs) {
      const states = new Float64Array(3 * flax.stateSize).map((_, i) => Math.sin(i) / 2);
      const inputs = new Float64Array(3 * flax.inputSize).map((_, i) => Math.cos(i));
      expect(
        relativeError(torch.step(states, inputs, 3), flax.step(states, inputs, 3), 1),
      ).toBeLessThanOrEqual(1e-15);
      expect(
        relativeError(torch.jacobian(states, inputs, 3), flax.jacobian(states, inputs, 3), 1),
      ).toBeLessThanOrEqual(1e-15);
      // the flax fixture biases are nonzero, so the cells are not trivially equal to a zero network
      expect(Math.max(...Array.from(flax.step(states, inputs, 3), Math.abs))).toBeGreaterThan(0.01);
    }
  });
});

describe('readSafetensors / writeSafetensors', () => {
  const tensorArbitrary = fc
    .tuple(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }), fc.boolean(), fc.integer())
    .map(([shape, double, seed]): Tensor => {
      const count = shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: count }, (_, i) => Math.sin(seed + i * 1.7) * 10 ** ((i % 5) - 2));
      return { shape, data: double ? Float64Array.from(values) : Float32Array.from(values) };
    });

  it('round-trips any named F32/F64 tensors and metadata', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s !== '__metadata__'),
          tensorArbitrary,
          {
            maxKeys: 5,
          },
        ),
        fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
        (tensors, metadata) => {
          const bytes = writeSafetensors(tensors, metadata);
          const headerLength = new DataView(bytes.buffer).getUint32(0, true);
          expect(headerLength % 8).toBe(0);
          const read = readSafetensorsFile(bytes);
          expect(Object.keys(read.tensors).sort()).toEqual(Object.keys(tensors).sort());
          for (const [name, tensor] of Object.entries(tensors)) {
            expect(read.tensors[name]!.shape).toEqual(tensor.shape);
            expect(read.tensors[name]!.data.constructor).toBe(tensor.data.constructor);
            expect(Array.from(read.tensors[name]!.data)).toEqual(Array.from(tensor.data));
          }
          expect(read.metadata).toEqual(Object.keys(metadata).length > 0 ? metadata : {});
        },
      ),
      { seed: 81, numRuns: 60 },
    );
  });

  it('decodes F16 and BF16 into Float32Array', () => {
    const half = `{"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[6,10]}}`;
    // F16: 0x3C00 = 1, 0xC000 = -2, 0x3555 = 0.333251953125; BF16: 0x3F80 = 1, 0x4049 = 3.140625
    const read = readSafetensors(
      handFile(`${half}  `, [0x00, 0x3c, 0x00, 0xc0, 0x55, 0x35, 0x80, 0x3f, 0x49, 0x40]),
    );
    expect(Array.from(read['h']!.data)).toEqual([1, -2, 0.333251953125]);
    expect(Array.from(read['b']!.data)).toEqual([1, 3.140625]);
  });

  it('rejects malformed files with typed errors naming the part at fault', () => {
    const cases: [Uint8Array, string][] = [
      [new Uint8Array(5), 'header length'],
      [handFile('{}', [], 4000), 'header length'],
      [handFile('{"a":'), 'header'],
      [handFile('[1,2]'), 'header'],
      [handFile(`{${f32('w', [2], 0, 8)}}`, [0, 0, 0, 0]), 'w'],
      [handFile(`{${f32('w', [3], 0, 8)}}`, new Array(8).fill(0)), 'w'],
      [handFile(`{"w":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}`, new Array(8).fill(0)), 'w'],
      [handFile(`{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, new Array(4).fill(0)), 'w'],
      [handFile(`{${f32('w', [1], 4, 8)}}`, new Array(8).fill(0)), 'w'],
      [handFile(`{${f32('v', [2], 0, 8)},${f32('w', [1], 4, 8)}}`, new Array(8).fill(0)), 'w'],
      [handFile(`{${f32('w', [1], 0, 4)}}`, new Array(8).fill(0)), 'data'],
      [handFile(`{"__metadata__":{"a":1}}`), '__metadata__'],
    ];
    for (const [bytes, part] of cases) {
      expect(() => readSafetensors(bytes)).toThrow(SafetensorsError);
      expect(() => readSafetensors(bytes)).toThrow(expect.objectContaining({ part }));
    }
    expect(() => writeSafetensors({ w: { shape: [2, 2], data: new Float32Array(3) } })).toThrow(
      expect.objectContaining({ name: 'SafetensorsError', part: 'w', expected: '4 values (shape [2, 2])' }),
    );
  });
});
