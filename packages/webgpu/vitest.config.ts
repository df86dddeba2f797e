import { defineProject } from 'vitest/config';

// A software adapter compiles each shader on first use, unless Mesa's on-disk cache holds it: with that cache
// empty, the tests that compile many kernel variants take minutes on two cores.
export default defineProject({
  test: { name: '@elk/webgpu', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 600_000 },
});
