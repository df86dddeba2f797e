/**
 * Reading and writing the Hugging Face safetensors format: an 8-byte little-endian header length N, N
 * bytes of JSON header `{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: {…} }`,
 * then the raw little-endian tensor data, offsets relative to its start
 * (https://huggingface.co/docs/safetensors).
 *
 * @module
 */
import type { Tensor } from './cell.ts';
import { SafetensorsError } from './errors.ts';

/**
 * The dtypes read: F64 → Float64Array; F32, F16 and BF16 → Float32Array. Written: F64 and F32.
 *
 * @example
 * ```ts
 * const dtype: SafetensorsDtype = 'F32';
 * ```
 */
export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16';

const BYTES: Record<SafetensorsDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2 };

/**
 * The largest header accepted, in bytes (the reference implementation's limit: 100 MB).
 *
 * @example
 * ```ts
 * if (headerLength > SAFETENSORS_MAX_HEADER_BYTES) throw new Error('header too large');
 * ```
 */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

/**
 * Reads a safetensors file into named tensors, validating the header length, the JSON header, every
 * dtype, shape and offset (in range, matching the shape, covering the data without holes or overlap).
 * Throws {@link SafetensorsError} naming the part at fault.
 *
 * @example
 * ```ts
 * const weights = readSafetensors(new Uint8Array(await readFile('gru.safetensors')));
 * const cell = gru({ hidden: 8, input: 1, weights });
 * ```
 */
export function readSafetensors(bytes: Uint8Array | ArrayBuffer): Record<string, Tensor> {
  return readSafetensorsFile(bytes).tensors;
}

/**
 * Reads a safetensors file's tensors and its `__metadata__` (string to string); validation as
 * {@link readSafetensors}.
 *
 * @example
 * ```ts
 * const { tensors, metadata } = readSafetensorsFile(bytes);
 * console.log(metadata.format);
 * ```
 */
export function readSafetensorsFile(bytes: Uint8Array | ArrayBuffer): {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
} {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (!(data instanceof Uint8Array))
    throw new SafetensorsError('bytes', 'a Uint8Array or ArrayBuffer', typeof bytes);
  if (data.length < 8)
    throw new SafetensorsError('header length', 'at least 8 bytes', `${data.length} bytes`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const headerLength = high * 2 ** 32 + low;
  if (headerLength > SAFETENSORS_MAX_HEADER_BYTES || headerLength > data.length - 8) {
    throw new SafetensorsError(
      'header length',
      `at most ${Math.min(SAFETENSORS_MAX_HEADER_BYTES, data.length - 8)} (the bytes after it)`,
      String(headerLength),
    );
  }
  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(8, 8 + headerLength));
    if (!text.startsWith('{')) throw new Error('does not start with {');
    header = JSON.parse(text);
  } catch (error) {
    throw new SafetensorsError(
      'header',
      'a UTF-8 JSON object',
      String(error instanceof Error ? error.message : error),
    );
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new SafetensorsError(
      'header',
      'a JSON object',
      Array.isArray(header) ? 'an array' : String(header),
    );
  }
  const dataStart = 8 + headerLength;
  const dataLength = data.length - dataStart;
  const tensors: Record<string, Tensor> = {};
  const metadata: Record<string, string> = {};
  const spans: { name: string; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        throw new SafetensorsError('__metadata__', 'an object of strings', JSON.stringify(entry));
      }
      for (const [key, value] of Object.entries(entry)) {
        if (typeof value !== 'string')
          throw new SafetensorsError('__metadata__', `a string at ${key}`, typeof value);
        metadata[key] = value;
      }
      continue;
    }
    const { dtype, shape, begin, end } = parseEntry(name, entry, dataLength);
    spans.push({ name, begin, end });
    tensors[name] = { shape, data: decode(view, dataStart + begin, end - begin, dtype) };
  }
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const span of spans) {
    if (span.begin !== covered) {
      throw new SafetensorsError(
        span.name,
        `data_offsets starting at ${covered} (contiguous, without holes or overlap)`,
        `[${span.begin}, ${span.end}]`,
      );
    }
    covered = span.end;
  }
  if (covered !== dataLength) {
    throw new SafetensorsError(
      'data',
      `${covered} bytes of tensor data (as indexed by the header)`,
      `${dataLength} bytes`,
    );
  }
  return { tensors, metadata };
}

function parseEntry(name: string, entry: unknown, dataLength: number) {
  if (typeof entry !== 'object' || entry === null) {
    throw new SafetensorsError(name, 'an object { dtype, shape, data_offsets }', JSON.stringify(entry));
  }
  const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in BYTES)) {
    throw new SafetensorsError(
      name,
      `dtype one of ${Object.keys(BYTES).join(', ')}`,
      `dtype ${JSON.stringify(dtype)}`,
    );
  }
  const size = BYTES[dtype as SafetensorsDtype];
  if (!Array.isArray(shape) || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new SafetensorsError(
      name,
      'shape: an array of non-negative integers',
      `shape ${JSON.stringify(shape)}`,
    );
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((n) => Number.isSafeInteger(n) && n >= 0) ||
    offsets[0] > offsets[1] ||
    offsets[1] > dataLength
  ) {
    throw new SafetensorsError(
      name,
      `data_offsets [begin, end] with 0 ≤ begin ≤ end ≤ ${dataLength}`,
      `data_offsets ${JSON.stringify(offsets)}`,
    );
  }
  const [begin, end] = offsets as [number, number];
  const count = (shape as number[]).reduce((product, n) => product * n, 1);
  if (end - begin !== count * size) {
    throw new SafetensorsError(
      name,
      `${count * size} bytes (${dtype} × shape [${shape.join(', ')}])`,
      `${end - begin} bytes in data_offsets [${begin}, ${end}]`,
    );
  }
  return { dtype: dtype as SafetensorsDtype, shape: [...(shape as number[])], begin, end };
}

function decode(
  view: DataView,
  offset: number,
  length: number,
  dtype: SafetensorsDtype,
): Float32Array | Float64Array {
  const count = length / BYTES[dtype];
  if (dtype === 'F64') {
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, true);
    return out;
  }
  const out = new Float32Array(count);
  if (dtype === 'F32') {
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, true);
  } else if (dtype === 'BF16') {
    const word = new DataView(new ArrayBuffer(4));
    for (let i = 0; i < count; i++) {
      word.setUint32(0, view.getUint16(offset + 2 * i, true) << 16);
      out[i] = word.getFloat32(0);
    }
  } else {
    for (let i = 0; i < count; i++) out[i] = halfToNumber(view.getUint16(offset + 2 * i, true));
  }
  return out;
}

/** IEEE 754 binary16 → number. */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/**
 * Writes named tensors as a safetensors file: Float64Array data as F64, Float32Array as F32, tensors in
 * name order, the header padded with spaces to a multiple of 8 bytes. Throws {@link SafetensorsError}
 * when a tensor's data length does not match its shape.
 *
 * @example
 * ```ts
 * const bytes = writeSafetensors(gru({ hidden: 8, input: 1 }).weights('flax'), { format: 'flax' });
 * await writeFile('gru.safetensors', bytes);
 * ```
 */
export function writeSafetensors(
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  let offset = 0;
  const parts: { offset: number; data: Float32Array | Float64Array }[] = [];
  for (const name of names) {
    if (name === '__metadata__')
      throw new SafetensorsError(name, 'a tensor name other than __metadata__', name);
    const tensor = tensors[name];
    if (!tensor) continue;
    const { shape, data } = tensor;
    if (!Array.isArray(shape) || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
      throw new SafetensorsError(name, 'shape: an array of non-negative integers', JSON.stringify(shape));
    }
    if (!(data instanceof Float32Array || data instanceof Float64Array)) {
      throw new SafetensorsError(name, 'data: a Float32Array or Float64Array', typeof data);
    }
    const count = shape.reduce((product, n) => product * n, 1);
    if (data.length !== count) {
      throw new SafetensorsError(
        name,
        `${count} values (shape [${shape.join(', ')}])`,
        `${data.length} values`,
      );
    }
    const dtype = data instanceof Float64Array ? 'F64' : 'F32';
    const end = offset + data.length * BYTES[dtype];
    header[name] = { dtype, shape: [...shape], data_offsets: [offset, end] };
    parts.push({ offset, data });
    offset = end;
  }
  const raw = new TextEncoder().encode(JSON.stringify(header));
  const json = new Uint8Array(Math.ceil(raw.length / 8) * 8).fill(0x20);
  json.set(raw);
  const bytes = new Uint8Array(8 + json.length + offset);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, json.length % 2 ** 32, true);
  view.setUint32(4, Math.floor(json.length / 2 ** 32), true);
  bytes.set(json, 8);
  const start = 8 + json.length;
  for (const { offset: at, data } of parts) {
    if (data instanceof Float64Array) {
      for (let i = 0; i < data.length; i++) view.setFloat64(start + at + 8 * i, data[i] ?? 0, true);
    } else {
      for (let i = 0; i < data.length; i++) view.setFloat32(start + at + 4 * i, data[i] ?? 0, true);
    }
  }
  return bytes;
}
