// Test runner configuration: every suite under test/, run in forks so worker-thread tests stay apart.
// Workers are loaded from dist/ (built by `npm test`'s pretest step), never from TypeScript sources.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
