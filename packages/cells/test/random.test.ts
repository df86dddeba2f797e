import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lecunNormal, orthogonal, TRUNCATED_NORMAL_STDDEV } from '../src/initializers.ts';
import { createRandom } from '../src/random.ts';

describe('createRandom', () => {
  it('is deterministic per seed and differs between seeds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (seed) => {
        const a = createRandom(seed).fillNormal(new Float64Array(8));
        const b = createRandom(seed).fillNormal(new Float64Array(8));
        const c = createRandom(seed + 1).fillNormal(new Float64Array(8));
        expect(Array.from(a)).toEqual(Array.from(b));
        expect(Array.from(a)).not.toEqual(Array.from(c));
      }),
      { seed: 101, numRuns: 50 },
    );
  });

  it('draws uniforms in [0, 1) and normals with mean 0 and variance 1', () => {
    const random = createRandom(5);
    const count = 40_000;
    let mean = 0;
    let square = 0;
    let uniformMean = 0;
    for (let i = 0; i < count; i++) {
      const u = random.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      uniformMean += u / count;
      const x = random.normal();
      mean += x / count;
      square += (x * x) / count;
    }
    // 5 standard errors
    expect(Math.abs(uniformMean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / count));
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(count));
    expect(Math.abs(square - 1)).toBeLessThan(5 * Math.sqrt(2 / count));
    const truncated = Array.from({ length: 5000 }, () => random.truncatedNormal());
    expect(Math.max(...truncated.map(Math.abs))).toBeLessThanOrEqual(2);
    const variance = truncated.reduce((s, x) => s + x * x, 0) / truncated.length;
    expect(Math.abs(Math.sqrt(variance) - TRUNCATED_NORMAL_STDDEV)).toBeLessThan(0.03);
  });

  it('initialisers: orthogonal gives QᵀQ = I; lecun-normal has variance 1/fanIn', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer(), (size, seed) => {
        const q = orthogonal(createRandom(seed), size);
        for (let a = 0; a < size; a++) {
          for (let b = 0; b < size; b++) {
            let dot = 0;
            for (let k = 0; k < size; k++) dot += q[k * size + a]! * q[k * size + b]!;
            expect(Math.abs(dot - (a === b ? 1 : 0))).toBeLessThan(1e-12);
          }
        }
      }),
      { seed: 102, numRuns: 30 },
    );
    const kernel = lecunNormal(createRandom(1), 50, 400);
    const variance = kernel.reduce((s, x) => s + x * x, 0) / kernel.length;
    expect(Math.abs(variance * 50 - 1)).toBeLessThan(0.05);
  });
});
