import { defineConfig } from 'vitest/config';

// Unit tests need nothing but Node; integration and end-to-end tests first check that
// Chromium, PostgreSQL and Redis are here (test/support/prerequisites.ts) and stop with one
// line naming what is missing.
const needsServices = ['test/support/prerequisites.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], globalSetup: needsServices },
      },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], globalSetup: needsServices },
      },
    ],
  },
});
