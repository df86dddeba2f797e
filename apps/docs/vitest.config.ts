import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'docs',
    include: ['test/**/*.test.ts'],
    testTimeout: 300_000,
    // The browser suite's setup may build the site first (when dist/ is missing) and start Chromium.
    hookTimeout: 600_000,
  },
});
