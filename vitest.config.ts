import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The Windows binaries under Wine have their own run (vitest.wine.config.ts, npm run test:wine).
    exclude: ['test/wine/**', '**/node_modules/**'],
    // Each file starts real servers; large transfers need more than the default 5 s.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Two cores: files run two at a time, so load tests do not starve each other.
    maxWorkers: 2,
    minWorkers: 1,
    // The real-path suites run in both hosting models (test/support/hosting-model.ts).
    projects: [
      // (Arrays given here add to the shared ones, so `include` is given only per project.)
      { extends: true, test: { name: 'inprocess', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'outofprocess',
          include: ['test/inprocess/**/*.test.ts', 'test/examples/**/*.test.ts', 'test/cli/**/*.test.ts'],
          env: { ISAPI_NODE_TEST_HOSTING_MODEL: 'outofprocess' },
        },
      },
    ],
  },
});
