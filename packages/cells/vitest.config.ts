import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@elk/cells',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    setupFiles: ['test/retain-dawn-instance.ts'],
    testTimeout: 120_000,
  },
});
