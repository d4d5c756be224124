import { defineConfig } from 'vitest/config';

// One Temporal dev server and one Postgres for the whole run (test/support/global-setup.ts);
// each integration file makes its own database from a migrated template and its own task queue.
const shared = { env: { TZ: 'UTC' }, pool: 'forks' } as const;

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    projects: [
      { test: { ...shared, name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: { ...shared, name: 'integration', include: ['test/integration/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 120_000 },
      },
      { test: { ...shared, name: 'replay', include: ['test/replay/**/*.test.ts'], testTimeout: 120_000 } },
      {
        test: { ...shared, name: 'browser', include: ['test/browser/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 180_000 },
      },
    ],
  },
});
