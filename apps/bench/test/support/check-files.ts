import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';

/**
 * Checks that `text` is well-formed XML whose root element is `<svg>`: every tag closes in order, attributes
 * are quoted, one root. Returns the root's name and the number of elements.
 */
export function parseXmlShape(text: string): { root: string; elements: number } {
  const stack: string[] = [];
  let root: string | undefined;
  let elements = 0;
  const body = text
    .replace(/<\?xml[^>]*\?>/, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
  const tag = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
  let position = 0;
  for (let match = tag.exec(body); match; match = tag.exec(body)) {
    const between = body.slice(position, match.index);
    if (between.includes('<'))
      throw new Error(`malformed markup near ${JSON.stringify(between.slice(0, 40))}`);
    position = tag.lastIndex;
    const [, closing, name = '', , selfClosing] = match;
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
      continue;
    }
    elements++;
    if (stack.length === 0) {
      if (root !== undefined) throw new Error('more than one root element');
      root = name;
    }
    if (!selfClosing) stack.push(name);
  }
  if (body.slice(position).includes('<')) throw new Error('malformed markup at the end');
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('>, <')}>`);
  if (root === undefined) throw new Error('no root element');
  return { root, elements };
}

/**
 * Decodes a PNG's structure: signature, IHDR (width, height, bit depth, colour type), and the IDAT stream
 * inflated to exactly height × (1 + width × bytes per pixel) bytes (8-bit RGB/RGBA/grey). Throws otherwise.
 */
export function decodePngShape(path: string): { width: number; height: number } {
  const bytes = readFileSync(path);
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (!signature.every((value, index) => bytes[index] === value)) throw new Error('not a PNG signature');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('ascii', offset + 4, offset + 8);
    const chunk = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = chunk.readUInt32BE(0);
      height = chunk.readUInt32BE(4);
      const bitDepth = chunk[8];
      const colourType = chunk[9];
      if (bitDepth !== 8) throw new Error(`bit depth ${bitDepth}`);
      channels =
        colourType === 6 ? 4 : colourType === 2 ? 3 : colourType === 0 ? 1 : colourType === 4 ? 2 : 0;
      if (channels === 0) throw new Error(`colour type ${colourType}`);
    }
    if (type === 'IDAT') data.push(chunk);
    if (type === 'IEND') break;
    offset += 12 + length;
  }
  const pixels = inflateSync(Buffer.concat(data));
  if (width === 0 || height === 0) throw new Error('no IHDR');
  if (pixels.length !== height * (1 + width * channels)) {
    throw new Error(`IDAT holds ${pixels.length} bytes, expected ${height * (1 + width * channels)}`);
  }
  return { width, height };
}
