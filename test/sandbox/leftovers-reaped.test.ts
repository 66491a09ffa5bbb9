import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isAlive, processStartTime, waitForExit } from '@recio/os/processes';
import { findLeftovers } from '@recio/sandbox/leftovers';
import { listMarkers, recordMarker } from '@recio/sandbox/leftover-markers';
import { captureOutput } from '../support/child-output.js';

/**
 * Issue 18: a test run killed half-way leaves nothing running for good. A real owner process
 * starts a sandbox (supervisord with six programs, sshd, PostgreSQL, stand-ins), a process in a
 * temp dir, an account and a database, marks them, and is SIGKILLed; `recio sandbox down
 * --leftovers` then reaps all of it, and leaves alone what a live process owns.
 */
const REPO = resolve(import.meta.dirname, '../..');
const CLI = join(REPO, 'packages/bot/dist/cli.js');
const ADMIN_URL = process.env.RECIO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
let markers: string;
const env = () => ({ ...process.env, RECIO_LEFTOVER_DIR: markers });

interface Made {
  dir: string;
  held: number;
  /** Only its working directory is in `dir`. */
  working: number;
  user?: string;
  database: string;
  sandboxDir: string;
  sandboxUser: string;
}

const accountExists = async (name: string) => (await execa('id', ['-u', name], { reject: false })).exitCode === 0;
const databaseExists = async (name: string) =>
  (await execa('psql', [ADMIN_URL, '-tAc', `SELECT 1 FROM pg_database WHERE datname = '${name}'`])).stdout === '1';
const reap = (...flags: string[]) =>
  execa(process.execPath, [CLI, 'sandbox', 'down', '--leftovers', '--database-url', ADMIN_URL, ...flags], {
    env: env(),
    reject: false,
  });

beforeAll(async () => {
  markers = await mkdtemp(join(tmpdir(), 'recio-markers-'));
});
afterAll(async () => {
  await reap('--all');
  await rm(markers, { recursive: true, force: true });
});

describe('what a killed run started', () => {
  test('is all reaped by `recio sandbox down --leftovers`: processes, dirs, accounts, the database', async () => {
    const owner = spawn(process.execPath, [join(import.meta.dirname, 'fixtures/killed-owner.mjs'), ADMIN_URL], {
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [line] = await captureOutput(owner).waitFor(/^\{.*\}$/m, 240_000);
    const made = JSON.parse(line) as Made;
    const exited = new Promise((done) => owner.once('exit', done));
    owner.kill('SIGKILL');
    await exited;

    // Killed: what it started is still there.
    expect(isAlive(made.held)).toBe(true);
    expect(isAlive(made.working)).toBe(true);
    expect(findLeftovers(made.sandboxDir).length).toBeGreaterThan(3);
    expect(await databaseExists(made.database)).toBe(true);
    if (made.user) expect(await accountExists(made.user)).toBe(true);

    const reaped = await reap();
    expect(reaped.exitCode, reaped.stdout + reaped.stderr).toBe(0);
    expect(reaped.stdout).toContain(`reaped sandbox ${made.sandboxDir}`);
    expect(await waitForExit(made.held, 10_000)).toBe(true);
    expect(await waitForExit(made.working, 10_000)).toBe(true);
    expect(findLeftovers(made.sandboxDir)).toEqual([]);
    expect(findLeftovers(made.dir)).toEqual([]);
    expect(existsSync(made.dir)).toBe(false);
    expect(await databaseExists(made.database)).toBe(false);
    if (made.user) expect(await accountExists(made.user)).toBe(false);
    if (process.getuid?.() === 0) expect(await accountExists(made.sandboxUser)).toBe(false);
    expect(listMarkers(markers)).toEqual([]);
  });

  test('what a live process owns is kept, unless --all; a marker dir others can write is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'recio-live-'));
    process.env.RECIO_LEFTOVER_DIR = markers;
    try {
      recordMarker('dir', dir);
    } finally {
      delete process.env.RECIO_LEFTOVER_DIR;
    }
    expect(listMarkers(markers)).toEqual([
      expect.objectContaining({
        kind: 'dir',
        ref: dir,
        ownerPid: process.pid,
        ownerStart: processStartTime(process.pid),
      }),
    ]);
    expect((await reap()).stdout).toContain('no leftovers');
    expect(existsSync(dir)).toBe(true);
    expect((await reap('--all')).stdout).toContain(`reaped dir ${dir}`);
    expect(existsSync(dir)).toBe(false);

    await chmod(markers, 0o777);
    const refused = await reap();
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr + refused.stdout).toContain('must be a directory of ours with mode 0700');
    await chmod(markers, 0o700);
  });
});
