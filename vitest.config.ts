import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The Windows binaries under Wine have their own run (vitest.wine.config.ts, npm run test:wine).
    exclude: ['test/wine/**', '**/node_modules/**'],
    // Each file starts real servers; large transfers need more than the default 5 s.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Two cores: files run two at a time, so load tests do not starve each other.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
