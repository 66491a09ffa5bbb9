import { cpus } from 'node:os';
import { defineConfig } from 'vitest/config';
import { LongestFirst } from './test/sequencer.js';

// Suites start real sshd, supervisord and PostgreSQL, and mostly wait on them (a program's startsecs,
// supervisord's backoff, a feed's interval), not on the CPU: two files a core keep the two cores of
// our machines busy (800 s with one a core, 485 s with two, same files). Four at most: each file
// holds PostgreSQL connections (max_connections is 100) and some a cluster of their own. Every wait inside a test
// ends on its event; these timeouts are only the last bound, set for a machine three times slower
// than a quiet one (a green run never comes near them).
// Workspace packages resolve to their sources (the `source` export condition); processes the
// tests start run the built dist/.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: Math.min(4, 2 * cpus().length),
    sequence: { sequencer: LongestFirst },
    testTimeout: 300_000,
    hookTimeout: 300_000,
    teardownTimeout: 30_000,
  },
});
