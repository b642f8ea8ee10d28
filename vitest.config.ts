import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/faults is npm run test:faults' (root, minutes per run).
    exclude: ['test/interop/**', 'test/faults/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    execArgv: ['--expose-gc'],
  },
});
