import { defineConfig } from 'vitest/config';

// Suites start real sshd, supervisord and PostgreSQL; the machine has two cores, so files run in
// two forks. Every wait inside a test ends on its event; these timeouts are only the last bound,
// set for a machine three times slower than a quiet one (a green run never comes near them).
// Workspace packages resolve to their sources (the `source` export condition); processes the
// tests start run the built dist/.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    teardownTimeout: 30_000,
  },
});
