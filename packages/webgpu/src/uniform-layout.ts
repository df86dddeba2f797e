/**
 * Uniform parameter blocks: one list of fields yields both the WGSL struct and the bytes that fill it,
 * so the two cannot drift apart.
 *
 * @module
 */

/** A scalar field of a uniform block. */
export type UniformField = readonly [name: string, type: 'u32' | 'f32'];

/** A uniform block layout: its WGSL declaration and a packer. */
export interface UniformLayout<Names extends string> {
  /** `struct Params { … }` plus `@group(0) @binding(0) var<uniform> params: Params;`. */
  readonly wgsl: string;
  /** The bytes of the block for these values (missing values are 0). */
  pack(values: Partial<Record<Names, number>>): ArrayBuffer;
}

/**
 * Declares a uniform block of 4-byte scalars bound at `@group(0) @binding(0)` as `params`.
 *
 * @example
 * ```ts
 * const layout = uniformLayout([['count', 'u32'], ['scale', 'f32']] as const);
 * layout.wgsl; // struct Params { count: u32, scale: f32, … }
 * layout.pack({ count: 3, scale: 0.5 });
 * ```
 */
export function uniformLayout<const Fields extends readonly UniformField[]>(
  fields: Fields,
): UniformLayout<Fields[number][0]> {
  const padded = Math.max(4, Math.ceil(fields.length / 4) * 4);
  const lines = fields.map(([name, type]) => `  ${name}: ${type},`);
  for (let index = fields.length; index < padded; index++) lines.push(`  padding_${index}: u32,`);
  const wgsl = `struct Params {\n${lines.join('\n')}\n}\n@group(0) @binding(0) var<uniform> params: Params;\n`;
  return {
    wgsl,
    pack(values) {
      // Packed per dispatch: typed views rather than a DataView (WebGPU's uniforms are little-endian, as
      // are the hosts that run WebGPU).
      const words = new Uint32Array(padded);
      const floats = new Float32Array(words.buffer);
      for (let index = 0; index < fields.length; index++) {
        const [name, type] = fields[index] as UniformField;
        const value = values[name as Fields[number][0]] ?? 0;
        if (type === 'u32') words[index] = value >>> 0;
        else floats[index] = value;
      }
      return words.buffer;
    },
  };
}
