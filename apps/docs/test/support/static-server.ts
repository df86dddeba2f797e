/**
 * A small static file server for the built site, on 127.0.0.1 (a secure context, so WebGPU is exposed).
 */
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.safetensors': 'application/octet-stream',
};

export interface StaticSite {
  /** e.g. `http://127.0.0.1:41234`. */
  readonly origin: string;
  close(): Promise<void>;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Resolves a URL path to a file of `root`, as a static host would (`/x/` → `/x/index.html`). */
export async function resolveSitePath(root: string, urlPath: string): Promise<string | null> {
  const decoded = decodeURIComponent(urlPath.split(/[?#]/)[0] ?? '/');
  const relative = normalize(decoded).replace(/^([/\\])+/, '');
  const base = join(root, relative);
  if (!base.startsWith(root.endsWith(sep) ? root : root + sep) && base !== root) return null;
  const candidates = decoded.endsWith('/') ? [join(base, 'index.html')] : [base, `${base}.html`];
  for (const candidate of candidates) if (await isFile(candidate)) return candidate;
  return null;
}

/** Serves `root` on 127.0.0.1 at a free port. */
export async function serveStatic(root: string): Promise<StaticSite> {
  const server: Server = createServer(async (request, response) => {
    const file = await resolveSitePath(root, request.url ?? '/');
    if (!file) {
      const notFound = join(root, '404.html');
      response.writeHead(404, { 'content-type': contentTypes['.html'] ?? 'text/html' });
      response.end((await isFile(notFound)) ? await readFile(notFound) : 'not found');
      return;
    }
    response.writeHead(200, { 'content-type': contentTypes[extname(file)] ?? 'application/octet-stream' });
    response.end(await readFile(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
