/**
 * Test setup: keeps every Dawn `GPU` instance of this process reachable.
 *
 * `@elk/testing` keeps the adapter and device but not the instance returned by dawn.node's `create`; once V8
 * collects that instance, dawn.node tears it down under the live device and the process aborts inside a mutex.
 * Wrapping `create` before the `webgpu` package reads it keeps the instances alive for the whole run.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const keptAlive: unknown[] = [];
const require = createRequire(new URL('../../testing/package.json', import.meta.url));

function dawnAddonPath(): string {
  if (process.env.DAWN_NODE) return process.env.DAWN_NODE;
  const packageRoot = dirname(require.resolve('webgpu/package.json'));
  const platform = process.platform === 'darwin' ? 'darwin-universal' : `${process.platform}-${process.arch}`;
  return join(packageRoot, 'dist', platform, 'dawn.node');
}

try {
  const addon = require(dawnAddonPath()) as { create(options: string[]): unknown };
  const create = addon.create.bind(addon);
  addon.create = (options: string[]) => {
    const instance = create(options);
    keptAlive.push(instance);
    return instance;
  };
} catch {
  // No dawn.node: the WebGPU suites skip on their own (or fail under ELK_REQUIRE_WEBGPU=1).
}
