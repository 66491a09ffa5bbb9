import { defineConfig } from 'vitest/config';

// Suites start real sshd, supervisord and PostgreSQL; the machine has two cores, so files run in
// two forks and the timeouts leave room for real process start-up. Workspace packages resolve to
// their sources (the `source` export condition); processes the tests start run the built dist/.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
});
