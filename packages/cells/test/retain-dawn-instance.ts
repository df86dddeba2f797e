/**
 * Keeps every Dawn `GPU` instance created in this test process reachable.
 *
 * `@elk/testing` creates the instance with `dawn.create([])` and keeps only the adapter and device; when V8
 * collects the instance, dawn.node tears it down under the live device and the process aborts in a mutex
 * ("The futex facility returned an unexpected error code"). Until the helper retains it, this setup file
 * wraps dawn.node's `create` (before the `webgpu` package reads it) so the instances stay alive.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

interface DawnAddon {
  create(options: string[]): unknown;
}

const retained: unknown[] = [];
const requireFromTesting = createRequire(new URL('../../testing/package.json', import.meta.url));

function addonPath(): string {
  if (process.env.DAWN_NODE) return process.env.DAWN_NODE;
  const root = dirname(requireFromTesting.resolve('webgpu/package.json'));
  const arch = process.platform === 'darwin' ? 'universal' : process.arch;
  return join(root, 'dist', `${process.platform}-${arch}`, 'dawn.node');
}

try {
  const addon = requireFromTesting(addonPath()) as DawnAddon;
  const create = addon.create;
  addon.create = (options: string[]) => {
    const instance = create.call(addon, options);
    retained.push(instance);
    return instance;
  };
} catch {
  // No dawn.node here: the WebGPU suites skip (or fail under ELK_REQUIRE_WEBGPU=1) on their own.
}
