import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@elk/kalman',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    setupFiles: ['test/setup-keep-dawn-alive.ts'],
    testTimeout: 120_000,
  },
});
