import { defineConfig } from 'vitest/config';

// Suites start real sshd, supervisord and PostgreSQL; the machine has two cores, so files run in
// two forks and the timeouts leave room for real process start-up.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
});
