import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Document, isSeq } from 'yaml';
import { RECIO_PROGRAMS } from '@recio/agent/agent-config';
import { parseAgentConfig } from '@recio/agent/agent-config';
import { findAgentEntry, launcherScript } from '@recio/agent/install/launcher';
import { RECIO_TABLES } from './recio-schema.js';
import { requireProgram, scriptArgv } from './sandbox-binaries.js';
import { logFileOf, type SandboxPaths } from './sandbox-paths.js';
import { pgbackrestArgv, pitrLayout } from './sandbox-pitr.js';
import { pgCommands } from './sandbox-postgres.js';
import type { SandboxState } from './sandbox-state.js';
import { supervisorctlArgv } from './sandbox-supervisor.js';
import type { UnixAccount } from './sandbox-user.js';
import { giveTo, writeIfChanged } from './write-if-changed.js';

export const SANDBOX_HOST = 'sbx1';

/**
 * The sandbox host's agent config: every action pointed at the sandbox (its supervisord socket,
 * its cluster with the app role's password in db.env, its backups dir, its release repo, a pip that
 * works offline), so each runbook step runs for real and nothing touches the machine's own services.
 */
export function renderAgentConfig(paths: SandboxPaths, state: SandboxState): string {
  const pgc = pgCommands(paths, state);
  const config = {
    host: SANDBOX_HOST,
    services: [...RECIO_PROGRAMS],
    supervisorctl: supervisorctlArgv(paths),
    db: {
      status: pgc.isReady,
      restart: pgc.restart,
      psql: pgc.psql,
      pgDump: pgc.pgDump,
      pgRestore: pgc.pgRestore,
      expectedTables: [...RECIO_TABLES],
      feeds: {
        btc_price: { table: 'btc_price_log', column: 'ts' },
        kalshi: { table: 'kalshi_market_snapshots', column: 'ts' },
      },
      env: pgc.env,
      pitr: pitrConfig(paths, pgc),
      scratch: {
        create: pgc.scratchCreate,
        drop: pgc.scratchDrop,
        psql: pgc.scratchPsql,
        pgRestore: pgc.scratchPgRestore,
      },
    },
    backups: {
      dir: paths.backupsDir,
      offsite: [requireProgram('cp', 'coreutils'), '{file}', join(paths.offsiteDir, '{name}')],
      offsiteCheck: [requireProgram('ls', 'coreutils'), join(paths.offsiteDir, '{name}')],
      offsiteFetch: [requireProgram('cp', 'coreutils'), join(paths.offsiteDir, '{name}'), '{file}'],
      // Sizes and names (`12345 db_2026-11-26.sql`), as `rclone lsf --format sp` gives them: the picker shows both.
      offsiteList: [requireProgram('find', 'findutils'), paths.offsiteDir, '-maxdepth', '1', '-printf', '%s %f\\n'],
    },
    configBackup: {
      dir: paths.configBackupsDir,
      restoreDir: paths.configRestoreDir,
      method: 'openssl',
      opensslKeyFile: paths.archiveKey,
    },
    // §2.3: the programs' supervisord logs; the tables default to the feeds' (prices, snapshots).
    history: { dir: paths.historyDir, logs: [paths.programLogsDir] },
    deploy: {
      repo: paths.repo,
      git: [requireProgram('git', 'git')],
      pip: [...scriptArgv('pip-stand-in'), '--log', logFileOf(paths, 'pip')],
      settleSeconds: state.tuning.deploySettleSeconds,
    },
    auditLog: logFileOf(paths, 'agent-audit'),
  };
  const doc = new Document(config);
  const argvPaths = [
    ['supervisorctl'],
    ...['status', 'restart', 'psql', 'pgDump', 'pgRestore'].map((k) => ['db', k]),
    ...['create', 'drop', 'psql', 'pgRestore'].map((k) => ['db', 'scratch', k]),
    ...['pgbackrest', 'stop', 'start'].map((k) => ['db', 'pitr', k]),
    ['backups', 'offsite'],
    ['backups', 'offsiteCheck'],
    ['backups', 'offsiteFetch'],
    ['backups', 'offsiteList'],
    ['deploy', 'git'],
    ['deploy', 'pip'],
  ];
  for (const path of argvPaths) {
    const node = doc.getIn(path, true);
    if (isSeq(node)) node.flow = true;
  }
  const header = "# The sandbox host's recio-agent config, written by `recio sandbox up`.\n";
  const text = `${header}${doc.toString({ lineWidth: 0 })}`;
  // The same parser the agent uses: a sandbox whose agent would refuse its own config must not start.
  parseAgentConfig(text, paths.agentConfig);
  return text;
}

/** pgBackRest as the cluster's owner (the agent's own user here): no sudo; off without the package. */
function pitrConfig(paths: SandboxPaths, pgc: ReturnType<typeof pgCommands>) {
  const layout = pitrLayout(paths);
  if (layout === undefined) return { enabled: false };
  return { enabled: true, pgbackrest: pgbackrestArgv(layout), stop: pgc.stop, start: pgc.start };
}

/** The launcher sshd runs, the agent config (readable by the agent's user only), its key and audit log. */
export function ensureAgent(paths: SandboxPaths, state: SandboxState, user: UnixAccount): void {
  writeIfChanged(paths.agentLauncher, launcherScript(process.execPath, findAgentEntry()), 0o755);
  // It holds PGPASSWORD: root-owned, group of the agent's user, not world-readable.
  writeIfChanged(paths.agentConfig, renderAgentConfig(paths, state), 0o640);
  giveTo(paths.agentConfig, user, true);
  if (!existsSync(paths.archiveKey))
    writeFileSync(paths.archiveKey, `${randomBytes(32).toString('hex')}\n`, { mode: 0o640 });
  giveTo(paths.archiveKey, user, true);
  const audit = logFileOf(paths, 'agent-audit');
  if (!existsSync(audit)) writeFileSync(audit, '', { mode: 0o644 });
  giveTo(audit, user);
  const pipLog = logFileOf(paths, 'pip');
  if (!existsSync(pipLog)) writeFileSync(pipLog, '', { mode: 0o644 });
  giveTo(pipLog, user);
}
