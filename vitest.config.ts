import { defineConfig } from 'vitest/config';

/** One test run over every package and app; each keeps its own vitest config. */
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
  },
});
