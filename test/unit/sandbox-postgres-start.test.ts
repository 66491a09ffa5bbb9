import { mkdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { sandboxPaths, type SandboxPaths } from '@recio/sandbox/sandbox-paths';
import { startPostgres } from '@recio/sandbox/sandbox-postgres-start';
import { readState, SandboxTuning, type SandboxState, writeState } from '@recio/sandbox/sandbox-state';
import { ownedTempDir } from '../support/leftovers.js';

/**
 * `sandbox up` when another process binds PostgreSQL's port after `up` chose it: the server's own
 * refusal (what ensureCluster reports, checked against a real server in sandbox-lifecycle.test.ts)
 * moves the port, in the state file and in the repo's .env the programs read, and starts again.
 */
const me = userInfo();
const user = { name: me.username, uid: me.uid, gid: me.gid };
let dir: string;
let paths: SandboxPaths;
let state: SandboxState;

const portTaken = (port: number) =>
  new RecioError(ErrorCode.ActionFailed, 'pg_ctl start failed: … Address already in use …', { portTaken: port });

beforeEach(async () => {
  dir = await ownedTempDir('pgstart');
  paths = sandboxPaths(dir);
  mkdirSync(paths.repo, { recursive: true });
  state = {
    version: 1,
    createdAt: new Date().toISOString(),
    user: { ...user, created: false },
    // Never bound: the starts here are stand-ins (see above).
    ports: { postgres: 41001, ssh: 41002, web: 41003, kalshi: 41004, coinbase: 41005 },
    db: {
      binDir: '/nonexistent',
      database: 'rec_io',
      user: 'rec_io',
      password: 'pw',
      adminUser: 'sbx_admin',
      adminPassword: 'apw',
    },
    tuning: SandboxTuning.parse({}),
    faults: [],
  };
  writeState(paths, state);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('starting the sandbox PostgreSQL', () => {
  test('a port taken as the server started moves to a free one, in the state and the .env, and starts', async () => {
    const lines: string[] = [];
    const tried: number[] = [];
    const started = await startPostgres(
      paths,
      state,
      user,
      (line) => lines.push(line),
      async (_, s) => {
        tried.push(s.ports.postgres);
        if (tried.length === 1) throw portTaken(s.ports.postgres);
        return 'started';
      },
    );
    expect(tried).toHaveLength(2);
    expect(tried[0]).toBe(41001);
    const moved = tried[1]!;
    expect(moved).not.toBe(41001);
    expect(started.ports).toEqual({ ...state.ports, postgres: moved });
    expect(readState(paths)?.ports.postgres).toBe(moved);
    expect(readFileSync(join(paths.repo, '.env'), 'utf8')).toContain(`POSTGRES_PORT=${moved}\n`);
    expect(lines).toEqual([
      `postgres: port 41001 was taken by another process as the server started; moving to ${moved}`,
      `postgres: started on 127.0.0.1:${moved}`,
    ]);
  });

  test('any other failure is thrown at once, nothing moved', async () => {
    const failure = new RecioError(
      ErrorCode.ActionFailed,
      'pg_ctl start failed: FATAL: data directory has wrong ownership',
    );
    let tries = 0;
    const starting = startPostgres(
      paths,
      state,
      user,
      () => undefined,
      async () => {
        tries++;
        throw failure;
      },
    );
    await expect(starting).rejects.toBe(failure);
    expect(tries).toBe(1);
    expect(readState(paths)?.ports.postgres).toBe(41001);
  });

  test('a port taken again and again is given up on after three moves, with the last refusal', async () => {
    const tried: number[] = [];
    const starting = startPostgres(
      paths,
      state,
      user,
      () => undefined,
      async (_, s) => {
        tried.push(s.ports.postgres);
        throw portTaken(s.ports.postgres);
      },
    );
    await expect(starting).rejects.toThrow(/Address already in use/);
    expect(tried).toHaveLength(4);
    expect(new Set(tried).size).toBe(4);
  });
});
