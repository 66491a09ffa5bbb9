import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { execa } from 'execa';
import { freePort, isPortFree } from '@recio/os/ports';
import { ensureAgent } from './sandbox-agent.js';
import { viewFaults } from './fault-effects.js';
import { ensureNightlyDump } from './sandbox-backups.js';
import { ensureFleetFiles, ensureRepoConfig } from './sandbox-files.js';
import { sandboxFromState, type Sandbox, type SandboxOptions } from './sandbox-handle.js';
import { pidFileOf, sandboxPaths, type SandboxPaths } from './sandbox-paths.js';
import { ensureStanza, PITR_STANZA, pitrLayout } from './sandbox-pitr.js';
import { ensureSchema, findPgBinDir, postmasterPid } from './sandbox-postgres.js';
import { startPostgres } from './sandbox-postgres-start.js';
import { ensureDetachedServices, servicePid } from './sandbox-services.js';
import { ensureSshd, hostKeyFingerprint } from './sandbox-ssh.js';
import {
  readState,
  SandboxTuning,
  withSandboxLock,
  writeState,
  type SandboxPorts,
  type SandboxState,
} from './sandbox-state.js';
import { ensureSupervisord, startStuckPrograms, waitForPrograms } from './sandbox-supervisor.js';
import { DEFAULT_SANDBOX_USER, ensureSandboxUser, type SandboxUser } from './sandbox-user.js';
import { ensureRepo } from './release-repo.js';
import { livePid } from './detached-process.js';
import { answersOn, httpStatus, waitFor } from './wait-for.js';
import { ensureDir, writeIfChanged } from './write-if-changed.js';

/**
 * `recio sandbox up`: makes whatever of the sandbox is missing and starts whatever is not running,
 * in dependency order, then waits until it all answers. Every step checks before it acts, so a
 * second `up` changes nothing and an `up` cut short is finished by the next one.
 */
export async function sandboxUp(options: SandboxOptions): Promise<Sandbox> {
  const paths = sandboxPaths(options.dir);
  const say = options.onProgress ?? (() => undefined);
  const timeoutMs = options.timeoutMs ?? 90_000;
  mkdirSync(paths.dir, { recursive: true, mode: 0o755 });
  ensureDir(paths.dir, 0o755);
  writeIfChanged(paths.marker, 'A recio-bot sandbox: `recio sandbox down` removes this directory.\n', 0o644);
  return withSandboxLock(paths, async () => {
    const settled = await settleState(paths, options, say);
    const { user } = settled;
    let { state } = settled;
    makeLayout(paths, user);
    // A drill in progress is not repaired behind the bot's back: what a fault broke stays broken.
    const inEffect = (await viewFaults(paths, state)).filter((f) => f.inEffect);
    if (inEffect.length > 0)
      say(
        `faults in effect (${inEffect.map((f) => f.scenario).join(', ')}): ` +
          'left as they are; `recio sandbox heal` undoes them',
      );
    const dbStoppedOnPurpose = inEffect.some((f) => f.scenario === 'postgres-failure' && f.variant === 'stop');

    if (await ensureRepo(paths, user)) say('release repo made: v2.3.0, v2.4.0, v2.5.0 (bad); v2.4.0 checked out');
    ensureRepoConfig(paths, state, user);
    if (dbStoppedOnPurpose) {
      say('postgres: left stopped');
    } else {
      state = await startPostgres(paths, state, user, say);
      if (await ensureSchema(paths, state))
        say(`postgres: role ${state.db.user}, database ${state.db.database}, REC.IO tables made`);
      const pitr = pitrLayout(paths);
      if (pitr === undefined) say('pgbackrest: not installed, no point-in-time recovery (apt-get install pgbackrest)');
      else {
        // A sandbox made before PITR runs its cluster without archiving until PostgreSQL restarts: say so, go on.
        const made = await ensureStanza(paths, pitr, user).catch((error: Error) => error);
        if (made instanceof Error)
          say(`pgbackrest: no stanza yet (${made.message}); restart the sandbox's PostgreSQL for WAL archiving`);
        else if (made) say(`pgbackrest: stanza ${PITR_STANZA} in ${pitr.repo}`);
      }
      const dump = await ensureNightlyDump(paths, state, user);
      if (dump !== undefined) say(`backups: ${dump} written`);
    }
    const started = ensureDetachedServices(paths, state, user);
    say(`providers and web UI: ${started.length === 0 ? 'running' : `started ${started.join(', ')}`}`);
    say(`supervisord: ${await ensureSupervisord(paths, user)}`);
    ensureAgent(paths, state, user);
    say(`sshd: ${await ensureSshd(paths, state, user)} on 127.0.0.1:${state.ports.ssh}`);
    ensureFleetFiles(paths, state, hostKeyFingerprint(paths));

    const sandbox = sandboxFromState(paths, state);
    if (inEffect.length > 0) return sandbox;
    const restarted = await startStuckPrograms(paths);
    if (restarted.length > 0)
      say(`supervisord: started ${restarted.map((p) => `${p.name} (was ${p.state})`).join(', ')}`);
    await waitUntilHealthy(sandbox, timeoutMs);
    say('all components answer; web /health 200');
    return sandbox;
  });
}

/** The state file, made on the first `up`; kept in step with the OS account and free ports after. */
async function settleState(
  paths: SandboxPaths,
  options: SandboxOptions,
  say: (line: string) => void,
): Promise<{ state: SandboxState; user: SandboxUser }> {
  let state = readState(paths);
  const user = await ensureSandboxUser(state?.user.name ?? options.user ?? DEFAULT_SANDBOX_USER, paths.homeDir);
  if (state === undefined) {
    state = await newState(user, options);
    say(`new sandbox in ${paths.dir} (user ${user.name}${user.created ? ', created' : ''})`);
  } else if (options.user !== undefined && options.user !== state.user.name) {
    say(`keeping user ${state.user.name}: the sandbox was made with it (down, then up, to change it)`);
  }
  if (state.user.uid !== user.uid || state.user.gid !== user.gid) {
    // The account was removed and made again under another uid: hand its files over.
    await handOver(paths, user);
    state = { ...state, user: { ...user, created: user.created || state.user.created } };
  } else if (user.created && !state.user.created) {
    state = { ...state, user: { ...state.user, created: true } };
  }
  state = await movePortsTaken(paths, state, say);
  writeState(paths, state);
  return { state, user };
}

async function newState(user: SandboxUser, options: SandboxOptions): Promise<SandboxState> {
  const ports: number[] = [];
  while (ports.length < 5) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  const [postgres, ssh, web, kalshi, coinbase] = ports as [number, number, number, number, number];
  return {
    version: 1,
    createdAt: new Date().toISOString(),
    user,
    ports: { postgres, ssh, web, kalshi, coinbase },
    db: {
      binDir: findPgBinDir(options.pgBinDir),
      database: 'rec_io',
      user: 'rec_io',
      password: randomBytes(18).toString('hex'),
      adminUser: 'sbx_admin',
      adminPassword: randomBytes(18).toString('hex'),
    },
    tuning: SandboxTuning.parse(options.tuning ?? {}),
    faults: [],
  };
}

/** A component that is down and whose port something else took meanwhile moves to a free port. */
async function movePortsTaken(
  paths: SandboxPaths,
  state: SandboxState,
  say: (line: string) => void,
): Promise<SandboxState> {
  const running: Record<keyof SandboxPorts, boolean> = {
    postgres: postmasterPid(paths) !== undefined,
    ssh: livePid(pidFileOf(paths, 'sshd'), paths.dir) !== undefined,
    web: servicePid(paths, 'web') !== undefined,
    kalshi: servicePid(paths, 'kalshi') !== undefined,
    coinbase: servicePid(paths, 'coinbase') !== undefined,
  };
  const ports = { ...state.ports };
  for (const key of Object.keys(ports) as Array<keyof SandboxPorts>) {
    if (running[key] || (await isPortFree(ports[key]))) continue;
    const taken = ports[key];
    ports[key] = await freePort();
    say(`${key}: port ${taken} is taken by another process; moving to ${ports[key]}`);
  }
  return { ...state, ports };
}

function makeLayout(paths: SandboxPaths, user: SandboxUser): void {
  const mine: Array<[string, number]> = [
    [paths.keysDir, 0o700],
    [paths.binDir, 0o755],
    [paths.agentDir, 0o755],
    [paths.sshdDir, 0o755],
    [paths.pgDir, 0o755],
    [paths.supervisorDir, 0o755],
    [paths.runDir, 0o755],
    [paths.controlDir, 0o755],
    [`${paths.dir}/backups`, 0o755],
  ];
  for (const [dir, mode] of mine) ensureDir(dir, mode);
  // What the REC.IO user (its programs, its agent) writes.
  for (const dir of [paths.logsDir, paths.faultsDir, paths.homeDir, paths.optDir]) ensureDir(dir, 0o755, user);
  // Dumps and archives: 0700, as the agent keeps them on a real host.
  for (const dir of [
    paths.backupsDir,
    paths.configBackupsDir,
    paths.configRestoreDir,
    paths.historyDir,
    paths.offsiteDir,
  ])
    ensureDir(dir, 0o700, user);
  ensureDir(paths.programLogsDir, 0o755);
}

async function handOver(paths: SandboxPaths, user: SandboxUser): Promise<void> {
  for (const dir of [
    paths.pgData,
    paths.logsDir,
    paths.faultsDir,
    paths.homeDir,
    paths.optDir,
    paths.backupsDir,
    paths.configBackupsDir,
    paths.configRestoreDir,
    paths.historyDir,
    paths.offsiteDir,
  ]) {
    if (existsSync(dir)) await execa('chown', ['-R', `${user.uid}:${user.gid}`, dir]);
  }
}

/** Every program RUNNING, every port answering, the web UI's health green (the feeds wrote rows). */
export async function waitUntilHealthy(sandbox: Sandbox, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  const left = () => Math.max(1_000, until - Date.now());
  for (const [name, port] of Object.entries(sandbox.ports)) {
    await waitFor(`${name} answering on 127.0.0.1:${port}`, left(), async () =>
      (await answersOn(port)) ? true : undefined,
    );
  }
  await waitForPrograms(sandbox.paths, left());
  await waitFor(
    `web UI ${sandbox.webUrl} answering 200`,
    left(),
    async () => ((await httpStatus(sandbox.webUrl)) === 200 ? true : undefined),
    250,
  );
}
