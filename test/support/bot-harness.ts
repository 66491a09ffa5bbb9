import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import type { RoleMembers } from '@recio/bot/access/roles';
import type { HostRole } from '@recio/bot/config';
import type { SlackEmulatorOptions } from '@recio/slack-emulator/index';
import { Hosts } from '@recio/bot/hosts/fleet-hosts';
import { SshTransport } from '@recio/bot/hosts/ssh-transport';
import { createLogger, type LogLevel } from '@recio/bot/observability/logger';
import type { Operations } from '@recio/bot/operations/operations';
import type { IncidentDesk } from '@recio/bot/incidents/desk';
import type { ChecksConfig } from '@recio/bot/runbooks/checks';
import type { RunEngine } from '@recio/bot/runbooks/engine';
import { startApprovalExpiry } from '@recio/bot/scheduler/approval-expiry';
import { Signals } from '@recio/bot/signals';
import { assembleCore } from '@recio/bot/compose';
import { loadRunbooks } from '@recio/bot/runbooks/loader';
import {
  createGroupMembers,
  createPublisher,
  createSlackApp,
  createSlackWebClient,
  type HomeTabsOptions,
  type Publisher,
  type SlackApp,
} from '@recio/bot/slack/index';
import { openStore, type Store } from '@recio/bot/store/index';
import { createTestDatabase, type TestDatabase } from './pg-database.js';
import { startSlackFake, type SlackFake } from './slack-fake.js';
import { startTestHost, type TestHost, type TestHostOptions } from './test-host.js';
import { testLogger } from './test-logger.js';
import { ensureTestUser } from './test-user.js';
import { ownedTempDir } from './leftovers.js';

/** The emulator's people, and the roles the harness gives them unless told otherwise. */
export const PEOPLE = {
  alice: 'U0ALICE0001', // lead_operator through the user group S0LEADS0001
  bob: 'U0BOB000001', // lead_operator by id, system_architect through S0ARCH00001
  carol: 'U0CAROL0001', // security_officer
  dave: 'U0DAVE00001', // no role at all
} as const;
export const OPS = 'C0OPS000001';
export const DEFAULT_ROLES: RoleMembers = {
  lead_operator: ['S0LEADS0001', PEOPLE.bob],
  system_architect: ['S0ARCH00001'],
  security_officer: [PEOPLE.carol],
};

export interface FleetEntry {
  name: string;
  roles?: HostRole[];
  host?: TestHostOptions;
}

/** A git checkout with release tags, oldest first; the stand-in programs read it at start. */
export interface Release {
  tag: string;
  /** Programs that crash under this release (a bad release). */
  crashes?: string[];
}

export interface BotHarnessOptions {
  /** Real test hosts (sshd + our agent + supervisord). Default: one, `db1`, with every role. */
  fleet?: FleetEntry[];
  roles?: RoleMembers;
  /** How Slack reaches the bot: signed HTTP (default) or Socket Mode. */
  transport?: 'http' | 'socket';
  emulator?: SlackEmulatorOptions;
  approvalTtlMs?: number;
  /** RECIO_BREAK_GLASS_AFTER_MINUTES in ms (default: the bot's 10 min); null: off. */
  breakGlassAfterMs?: number | null;
  opsChannel?: string;
  /** Release tags in a git repo on the first host, for rollback (deploy.tags / deploy.rollback). */
  releases?: Release[];
  checks?: Partial<ChecksConfig>;
  publisherIntervalMs?: number;
  /** How often overdue approvals are expired (default 5 s). */
  expirySweepMs?: number;
  /** How long user-group members are cached (default: the bot's 5 min; 0 looks them up every time). */
  groupCacheTtlMs?: number;
  /** Runbooks from elsewhere than commands/ (a test's own scenarios). */
  runbooksDir?: string;
  /** The App Home's limits and timings (default: the bot's). */
  home?: HomeTabsOptions;
}

/** Where the bot finds Slack (the Web API and the secrets it checks requests with). */
export interface SlackEndpoint {
  apiUrl: string;
  botToken: string;
  signingSecret: string;
  /** Set for Socket Mode. */
  appToken?: string;
}

/** The bot without the Slack emulation (a benchmark runs the emulation in another process). */
export interface BotCore {
  store: Store;
  storeDb: TestDatabase;
  hosts: Hosts;
  testHosts: Record<string, TestHost>;
  engine: RunEngine;
  ops: Operations;
  /** The incident desk the bot's composition made (the monitor's side of incidents). */
  desk: IncidentDesk;
  app: SlackApp;
  publisher: Publisher;
  /** The bot's HTTP port (/slack/events, /healthz). */
  port: number;
  /** The release repo, when `releases` were asked for. */
  repo?: string;
  stop(): Promise<void>;
}

export interface BotHarness extends BotCore {
  slack: SlackFake;
}

async function makeReleaseRepo(
  dir: string,
  releases: Release[],
  owner: string | undefined,
): Promise<{ repo: string; pip: string[] }> {
  const repo = join(dir, 'rec_io_v2');
  await mkdir(repo, { recursive: true });
  const git = (...args: string[]) =>
    execa('git', ['-c', 'safe.directory=*', '-c', 'user.email=ops@rec.io', '-c', 'user.name=ops', '-C', repo, ...args]);
  await execa('git', ['init', '-q', '-b', 'main', repo]);
  for (const [i, release] of releases.entries()) {
    const date = new Date(Date.UTC(2026, 0, 1 + i)).toISOString();
    await writeFile(join(repo, 'requirements.txt'), `requests==2.${30 + i}.0\n`);
    await writeFile(join(repo, 'CRASH_ON_START'), `${(release.crashes ?? []).join('\n')}\n`);
    await execa(
      'git',
      ['-c', 'safe.directory=*', '-c', 'user.email=ops@rec.io', '-c', 'user.name=ops', '-C', repo, 'add', '-A'],
      { env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } },
    );
    await execa(
      'git',
      [
        '-c',
        'safe.directory=*',
        '-c',
        'user.email=ops@rec.io',
        '-c',
        'user.name=ops',
        '-C',
        repo,
        'commit',
        '-qm',
        release.tag,
      ],
      { env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } },
    );
    await git('tag', release.tag);
  }
  // PyPI is unreachable here: pip is a stand-in that does nothing.
  const pip = join(dir, 'pip-stand-in.mjs');
  await writeFile(pip, '// pip stand-in: installs nothing\n');
  await execa('chmod', ['-R', 'a+rX', dir]);
  if (owner) await execa('chown', ['-R', `${owner}:`, repo]);
  return { repo, pip: [process.execPath, pip] };
}

/**
 * The whole bot wired for real, against the Slack emulator: a store on the machine's PostgreSQL
 * (a fresh database), real test hosts over SSH, the runbooks, the engine, Operations, the Slack
 * app (Bolt's own receiver, signed requests) and the publisher. `stop()` undoes all of it, also
 * after a failed start.
 */
export async function startBot(options: BotHarnessOptions = {}): Promise<BotHarness> {
  const slack = await startSlackFake(options.emulator);
  try {
    const socket = options.transport === 'socket';
    const core = await startBotCore({
      ...options,
      slack: {
        apiUrl: slack.apiUrl,
        botToken: slack.tokens.bot,
        signingSecret: slack.signingSecret,
        ...(socket ? { appToken: slack.tokens.app } : {}),
      },
    });
    if (socket) await slack.socketMode.waitForConnection();
    else slack.setRequestUrl(`http://127.0.0.1:${core.port}/slack/events`);
    return {
      ...core,
      slack,
      stop: async () => {
        await core.stop();
        await slack.close();
      },
    };
  } catch (error) {
    await slack.close();
    throw error;
  }
}

/** The same bot against a Slack found at `slack` (an emulation in another process). */
export async function startBotCore(
  options: Omit<BotHarnessOptions, 'emulator' | 'transport'> & { slack: SlackEndpoint },
): Promise<BotCore> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const keep = async <T>(make: () => Promise<T>, undo: (value: T) => Promise<unknown>): Promise<T> => {
    const value = await make();
    cleanups.push(() => undo(value));
    return value;
  };
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const logger = createLogger({ level: (process.env.RECIO_TEST_LOG as LogLevel | undefined) ?? 'silent' });
    const { slack } = options;
    const storeDb = await keep(
      () => createTestDatabase('recio_slack'),
      (d) => d.drop(),
    );
    const dataDir = await keep(
      () => ownedTempDir('bot'),
      (d) => rm(d, { recursive: true, force: true }),
    );
    await chmod(dataDir, 0o755);
    const store = await keep(
      () => openStore({ databaseUrl: storeDb.url, dataDir }),
      (s) => s.close(),
    );
    const release = options.releases
      ? await makeReleaseRepo(
          join(dataDir, 'release'),
          options.releases,
          ensureTestUser().isRoot ? ensureTestUser().name : undefined,
        )
      : undefined;
    const fleet = options.fleet ?? [{ name: 'db1', roles: ['db', 'app', 'web'] }];
    const testHosts: Record<string, TestHost> = {};
    for (const [i, entry] of fleet.entries()) {
      const deploy = i === 0 && release ? { deploy: { repo: release.repo, pip: release.pip, settleSeconds: 1 } } : {};
      testHosts[entry.name] = await keep(
        () =>
          startTestHost({
            name: entry.name,
            ...(i === 0 && release ? { releaseDir: release.repo } : {}),
            ...entry.host,
            agentConfig: { ...deploy, ...entry.host?.agentConfig },
          }),
        (h) => h.stop(),
      );
    }
    const hosts = await keep(
      async () =>
        new Hosts(
          fleet.map((entry) => {
            const host = testHosts[entry.name]!;
            return {
              name: entry.name,
              roles: entry.roles ?? ['db', 'app', 'web'],
              transport: new SshTransport({
                host: host.fleetHost,
                privateKey: host.clientKey.privateKey,
                connectTimeoutMs: 5_000,
                commandTimeoutMs: 60_000,
              }),
            };
          }),
        ),
      (h) => h.close(),
    );
    const runbooks = loadRunbooks(options.runbooksDir ?? resolve(import.meta.dirname, '../../commands'));
    const settings = { botToken: slack.botToken, apiUrl: slack.apiUrl };
    const signals = new Signals(testLogger);
    // The bot's own composition, over this harness's store and hosts.
    const core = assembleCore(
      { store, hosts, runbooks },
      {
        opsChannel: options.opsChannel ?? OPS,
        roleMembers: options.roles ?? DEFAULT_ROLES,
        checks: { providers: {}, httpTimeoutMs: 2_000, ...options.checks },
        lockWaitMs: 10_000,
        approvalTtlMs: options.approvalTtlMs ?? 15 * 60_000,
        ...(options.breakGlassAfterMs !== undefined ? { breakGlassAfterMs: options.breakGlassAfterMs } : {}),
        monitor: { intervalMs: 1_000, push: false },
      },
      {
        logger: testLogger,
        signals,
        groupsOf: createGroupMembers(createSlackWebClient(settings, logger), {
          ...(options.groupCacheTtlMs !== undefined ? { ttlMs: options.groupCacheTtlMs } : {}),
        }),
      },
    );
    const { engine, ops } = core;
    const publisher = createPublisher({
      store,
      client: createSlackWebClient(settings, logger),
      logger,
      intervalMs: options.publisherIntervalMs ?? 500,
      onSent: (message) => signals.emit('sent', message),
      ...core.offers,
    });
    signals.on('outbox', () => publisher.wake());
    publisher.start();
    cleanups.push(() => publisher.stop());
    const stopExpiry = startApprovalExpiry(
      { engine, logger: testLogger, offerBreakGlass: () => ops.offerBreakGlass() },
      options.expirySweepMs,
    );
    cleanups.push(async () => stopExpiry());
    const app = createSlackApp({
      slack: {
        ...settings,
        signingSecret: slack.signingSecret,
        ...(slack.appToken ? { appToken: slack.appToken } : {}),
        port: 0,
        host: '127.0.0.1',
      },
      operations: ops,
      store,
      logger,
      onOutbox: () => signals.emit('outbox'),
      ...(options.home ? { home: options.home } : {}),
    });
    signals.on('sent', (message) => app.homes.afterSent(message));
    const started = app;
    const { port } = await keep(
      () => started.start(),
      () => started.stop(),
    );
    return {
      store,
      storeDb,
      hosts,
      testHosts,
      engine,
      ops,
      desk: core.desk,
      app: started,
      publisher,
      port,
      ...(release ? { repo: release.repo } : {}),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
