import type { Tensor } from '@elk/cells';

/**
 * The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of JSON
 * `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__? }`, then the raw little-endian data.
 * The bench writes F32 (and reads F32/F64) with this small codec.
 */
const DTYPE_BYTES = { F32: 4, F64: 8 } as const;

/** A malformed safetensors file: `message` says what is wrong. */
export class SafetensorsFormatError extends Error {
  override readonly name = 'SafetensorsFormatError';
}

/**
 * Encodes named tensors as safetensors (F32 for Float32Array, F64 for Float64Array), names sorted.
 *
 * @example
 * ```ts
 * const bytes = encodeSafetensors({ w: { shape: [2], data: new Float32Array([1, 2]) } });
 * ```
 */
export function encodeSafetensors(
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const tensor = tensors[name];
    if (!tensor) continue;
    const dtype = tensor.data instanceof Float64Array ? 'F64' : 'F32';
    const end = offset + tensor.data.length * DTYPE_BYTES[dtype];
    header[name] = { dtype, shape: tensor.shape, data_offsets: [offset, end] };
    offset = end;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const bytes = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  bytes.set(headerBytes, 8);
  let position = 8 + headerBytes.length;
  for (const name of names) {
    const tensor = tensors[name];
    if (!tensor) continue;
    const isDouble = tensor.data instanceof Float64Array;
    for (const value of tensor.data) {
      if (isDouble) view.setFloat64(position, value, true);
      else view.setFloat32(position, value, true);
      position += isDouble ? 8 : 4;
    }
  }
  return bytes;
}

/**
 * Decodes safetensors bytes into named tensors (F32 → Float32Array, F64 → Float64Array); any other dtype,
 * a bad header or out-of-range offsets throw {@link SafetensorsFormatError}.
 *
 * @example
 * ```ts
 * decodeSafetensors(encodeSafetensors({ w: { shape: [1], data: new Float32Array([3]) } })).w?.data; // [3]
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array): Record<string, Tensor> {
  if (bytes.length < 8) throw new SafetensorsFormatError('shorter than the 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) throw new SafetensorsFormatError('header length exceeds the file');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw new SafetensorsFormatError('header is not JSON');
  }
  if (typeof header !== 'object' || header === null)
    throw new SafetensorsFormatError('header is not an object');
  const base = 8 + headerLength;
  const tensors: Record<string, Tensor> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (typeof entry !== 'object' || entry === null)
      throw new SafetensorsFormatError(`entry '${name}' is not an object`);
    const {
      dtype,
      shape,
      data_offsets: offsets,
    } = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (dtype !== 'F32' && dtype !== 'F64')
      throw new SafetensorsFormatError(`'${name}': dtype ${String(dtype)} (F32 or F64 expected)`);
    if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n >= 0)) {
      throw new SafetensorsFormatError(`'${name}': bad shape`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2)
      throw new SafetensorsFormatError(`'${name}': bad data_offsets`);
    const [begin, end] = offsets.map(Number) as [number, number];
    const count = shape.reduce((a: number, b: number) => a * b, 1);
    const width = DTYPE_BYTES[dtype];
    if (!(begin >= 0 && end >= begin && base + end <= bytes.length) || end - begin !== count * width) {
      throw new SafetensorsFormatError(
        `'${name}': data_offsets [${begin}, ${end}] do not fit shape [${shape}] ${dtype}`,
      );
    }
    const data = dtype === 'F64' ? new Float64Array(count) : new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const at = base + begin + i * width;
      data[i] = dtype === 'F64' ? view.getFloat64(at, true) : view.getFloat32(at, true);
    }
    tensors[name] = { shape: shape.map(Number), data };
  }
  return tensors;
}
