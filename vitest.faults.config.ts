import { defineConfig } from 'vitest/config';

// The fault harness (npm run test:faults): one long file of real processes in network
// namespaces; its test sets its own timeout from FAULT_ROUNDS.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
