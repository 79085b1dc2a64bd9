import { defineConfig } from 'vitest/config';

// The Windows binaries under Wine (npm run test:wine; needs npm run setup:win and build:win).
// One file at a time: Wine's server is shared by every program in the prefix.
export default defineConfig({
  test: {
    include: ['test/wine/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    maxWorkers: 1,
    minWorkers: 1,
  },
});
