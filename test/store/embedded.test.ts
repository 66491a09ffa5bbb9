import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RecioError } from '@recio/protocol/errors';
import { isAlive, waitForExit } from '@recio/os/processes';
import { openStore, type Store } from '@recio/bot/store/index';
import type { StoreLogger } from '@recio/bot/store/logger';
import { makeTempDir } from './support/backends.js';
import { killAllFixtures, startFixture } from './support/child.js';
import { stopLeftoverPostgres } from './support/leftovers.js';

function recordingLogger(): StoreLogger & { messages: string[] } {
  const messages: string[] = [];
  const record = (_: object, msg?: string): void => void messages.push(msg ?? '');
  return { messages, debug: record, info: record, warn: record, error: record };
}

const configOf = (dataDir: string) =>
  JSON.parse(readFileSync(join(dataDir, 'embedded.json'), 'utf8')) as { port: number; password: string };
const postmasterPid = (dataDir: string) =>
  Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);

describe('embedded PostgreSQL under the data dir', () => {
  const dirs: string[] = [];
  const stores: Store[] = [];
  let blocker: Server | undefined;

  /** A ./data-like dir; its parent lets the server's user through, as a deployment's must. */
  function freshDir(): string {
    const parent = makeTempDir();
    chmodSync(parent, 0o711);
    const dir = join(parent, 'data');
    dirs.push(dir);
    return dir;
  }
  async function open(dataDir: string, logger?: StoreLogger): Promise<Store> {
    const store = await openStore({ dataDir, logger });
    stores.push(store);
    return store;
  }

  afterEach(async () => {
    for (const store of stores.splice(0).reverse()) await store.close();
    blocker?.close();
    blocker = undefined;
  });
  afterAll(async () => {
    await killAllFixtures();
    for (const dir of dirs) {
      await stopLeftoverPostgres(dir);
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
  });

  it('initialises on first use, keeps its data and port across restarts, and stops on close', async () => {
    const dataDir = freshDir();
    const first = await open(dataDir);
    expect(first.backend).toBe('embedded');
    await first.deliveries.claim('kept:across:restarts', 'cli');
    const { port } = configOf(dataDir);
    expect(statSync(join(dataDir, 'embedded.json')).mode & 0o777).toBe(0o600);
    const pid = postmasterPid(dataDir);
    await first.close();
    expect(await waitForExit(pid, 1_000)).toBe(true);
    expect(existsSync(join(dataDir, 'recio-store.pid'))).toBe(false);

    const second = await open(dataDir);
    expect(configOf(dataDir).port).toBe(port);
    expect(await second.deliveries.claim('kept:across:restarts', 'cli')).toMatchObject({ claimed: false });
  });

  it('lets a second process (the CLI beside the bot) use the running server, and leave it running', async () => {
    const dataDir = freshDir();
    const bot = await open(dataDir);
    const pid = postmasterPid(dataDir);
    const cli = startFixture('exit-without-close.ts', { DATA_DIR: dataDir, CLAIM_KEY: 'from:cli' });
    expect(await cli.exited).toBe(0);
    expect(postmasterPid(dataDir)).toBe(pid);
    expect(await bot.deliveries.claim('from:cli', 'cli')).toMatchObject({ claimed: false });
  });

  it('starts despite a stale postmaster.pid naming a live process that is not its server', async () => {
    const dataDir = freshDir();
    await (await open(dataDir)).close();
    stores.splice(0);
    // After a reboot the old pid often belongs to something else; PostgreSQL alone would refuse.
    writeFileSync(join(dataDir, 'postgres', 'postmaster.pid'), `${process.pid}\n${join(dataDir, 'postgres')}\n0\n0\n`);
    const logger = recordingLogger();
    const store = await open(dataDir, logger);
    await store.ping();
    expect(logger.messages).toContain('store: removing a stale postmaster.pid (no server of ours runs under that pid)');
    expect(isAlive(process.pid)).toBe(true);
  });

  it('moves to another port when the recorded one has been taken meanwhile', async () => {
    const dataDir = freshDir();
    await (await open(dataDir)).close();
    stores.splice(0);
    const { port } = configOf(dataDir);
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(port, '127.0.0.1', resolve));
    const store = await open(dataDir);
    await store.ping();
    expect(configOf(dataDir).port).not.toBe(port);
  });

  it('sets aside a half-initialised cluster instead of failing or deleting it', async () => {
    const dataDir = freshDir();
    mkdirSync(join(dataDir, 'postgres'), { recursive: true });
    writeFileSync(join(dataDir, 'postgres', 'PG_VERSION'), '17\n');
    const store = await open(dataDir);
    await store.ping();
    expect(readFileSync(join(dataDir, 'postgres', 'PG_VERSION'), 'utf8').trim()).toBe('17');
    expect(readdirSync(dataDir).some((f) => f.startsWith('postgres.incomplete-'))).toBe(true);
  });

  it.runIf(process.getuid?.() === 0)(
    'explains, as root, that the server cannot reach a data dir below a private directory',
    async () => {
      const dir = join(makeTempDir(), 'data');
      dirs.push(dir);
      const error = await open(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RecioError);
      expect((error as RecioError).code).toBe('store_unavailable');
      expect((error as RecioError).message).toMatch(
        /postgres user \(uid \d+\) cannot reach .*data\/postgres: make its parent directories traversable/,
      );
      expect(existsSync(join(dir, 'recio-store.pid'))).toBe(false);
    },
  );

  it('does not leave its server running when the process exits without closing the store', async () => {
    const dataDir = freshDir();
    const fixture = startFixture('exit-without-close.ts', { DATA_DIR: dataDir });
    await fixture.waitFor((m) => m.opened === true);
    const pid = postmasterPid(dataDir);
    expect(await fixture.exited).toBe(0);
    expect(await waitForExit(pid, 30_000)).toBe(true);
  });
});
