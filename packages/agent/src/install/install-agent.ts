import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { parseAgentConfig, secretsOf, type AgentConfig } from '../agent-config.js';
import { installLine } from './install-line.js';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { redactSecrets } from '@recio/protocol/redact';
import { applyOperations } from './apply.js';
import { defaultAgentConfigText, detectPrograms } from './default-agent-config.js';
import { readHostState, readPath, readUser, type UserState } from './host-state.js';
import { resolveInstallPaths, type InstallPaths, type PathOptions } from './install-paths.js';
import { findAgentEntry, launcherScript } from './launcher.js';
import { lineDiff } from './line-diff.js';
import type { Owner, Plan } from './operations.js';
import { checkRulePrograms } from './program-trust.js';
import { planInstall, USER_COMMENT, type DesiredInstall } from './plan-install.js';
import { createStanza, pitrFiles, pitrPaths } from './pitr-setup.js';
import { renderSudoers, resolveOnSecurePath, sudoRulesFor, SUDOERS_MARKER } from './sudo-rules.js';
import { verifyAgent, type AgentCheck } from './verify-agent.js';

export interface InstallAgentOptions extends PathOptions {
  /** The bot's public key, one OpenSSH line. */
  publicKey: string;
  /** Where the bot connects from (authorized_keys `from=`). */
  from: string;
  /** Programs for a new config; when absent, asked of supervisorctl, else the six REC.IO programs. */
  programs?: string[];
  /** supervisord.conf for a new config's `supervisorctl -c`; absent: supervisorctl's own default. */
  supervisorConfig?: string;
  /** Replace an existing agent config with the default one. */
  force?: boolean;
  dryRun?: boolean;
  /** After applying, run the agent as its user once (default on). */
  check?: boolean;
  nodePath?: string;
  agentEntry?: string;
  hostName?: string;
  /** Set up point-in-time recovery with pgbackrest (pitr-setup.ts). */
  pitr?: boolean;
  /** With --pitr: the Debian cluster, `<version>/<name>` (default the newest `<version>/main`). */
  pgCluster?: string;
}

export interface InstallReport {
  paths: InstallPaths;
  plan: Plan;
  dryRun: boolean;
  check?: AgentCheck;
  /** With --pitr, after applying: what stanza-create said. */
  stanza?: { ok: boolean; message: string };
}

/** The account, if there is one, must be one this command made: it is about to hold the bot's key. */
export function checkOwnAccount(user: UserState | undefined): void {
  if (user === undefined) return;
  if (user.uid === 0)
    throw new RecioError(ErrorCode.InvalidParams, `${user.name} has uid 0: the agent never runs as root`);
  if (user.comment !== USER_COMMENT) {
    throw new RecioError(
      ErrorCode.InvalidParams,
      `user ${user.name} exists and was not made by recio agent install ` +
        `(its comment is ${JSON.stringify(user.comment)}): choose another --user, or remove that account first`,
    );
  }
}

function requireRoot(what: string): void {
  if (process.getuid?.() !== 0)
    throw new RecioError(
      ErrorCode.NotAuthorised,
      `${what} must run as root (it creates an account and a sudoers drop-in); --dry-run works without`,
    );
}

interface ConfigDecision {
  /** The config in effect after the install, and its text. */
  config: AgentConfig;
  keptExisting: boolean;
  /** What the install writes when there is no config (or with --force). */
  defaultText: string;
  programsSource: string;
}

/**
 * Which agent config will be in effect after the install: the admin's existing one, unless --force or there is
 * none.
 */
async function decideConfig(
  options: InstallAgentOptions,
  paths: InstallPaths,
  existing: string | undefined,
): Promise<ConfigDecision> {
  const keep = existing !== undefined && !options.force;
  const supervisorctl = options.supervisorConfig
    ? ['supervisorctl', '-c', options.supervisorConfig]
    : ['supervisorctl'];
  const detected = options.programs
    ? { programs: options.programs, source: '--programs' }
    : await detectPrograms(supervisorctl);
  const defaultText = defaultAgentConfigText({
    host: options.hostName ?? hostname(),
    programs: detected.programs,
    supervisorctl,
    auditLog: join(paths.auditDir, 'audit.log'),
    ...(options.pitr ? { pitr: true } : {}),
  });
  const text = keep ? existing : defaultText;
  try {
    return {
      config: parseAgentConfig(text, paths.configPath),
      keptExisting: keep,
      defaultText,
      programsSource: detected.source,
    };
  } catch (error) {
    const hint = keep ? ' (fix it, or replace it with the default with --force)' : '';
    throw new RecioError(ErrorCode.ConfigInvalid, `${(error as Error).message}${hint}`, {}, { cause: error });
  }
}

function secretsIn(text: string | undefined, fileName: string): string[] {
  if (text === undefined) return [];
  try {
    return secretsOf(parseAgentConfig(text, fileName));
  } catch {
    // An invalid config names no secrets; decideConfig reports why it is invalid.
    return [];
  }
}

/**
 * `recio agent install`: read the host, plan the changes that take it to an installed agent, then
 * print them (dry run) or apply them and check the agent answers as its user.
 */
export async function installAgent(options: InstallAgentOptions): Promise<InstallReport> {
  const paths = resolveInstallPaths(options);
  const dryRun = options.dryRun ?? false;
  if (!dryRun) requireRoot('recio agent install');
  const user = await readUser(options.user);
  checkOwnAccount(user);
  const group = user?.group ?? options.user;
  const home = user?.home ?? paths.homeDir;
  const notes: string[] = [];
  if (user !== undefined && options.homeDir !== undefined && options.homeDir !== user.home)
    notes.push(`${options.user} exists with home ${user.home}: --home-dir ignored`);

  const existingConfig = (await readPath(paths.configPath))?.content;
  const decision = await decideConfig(options, paths, existingConfig);
  // Diffs of the config are printed: the admin's passwords in it must not be.
  const secrets = [...secretsOf(decision.config), ...secretsIn(existingConfig, paths.configPath)];
  if (!decision.keptExisting) notes.push(`programs from ${decision.programsSource}`);
  if (dryRun && decision.keptExisting && decision.defaultText !== existingConfig) {
    notes.push(
      redactSecrets(
        `--force would replace ${paths.configPath} with the default:\n` +
          lineDiff(existingConfig ?? '', decision.defaultText),
        secrets,
      ),
    );
  }
  const pitr = options.pitr ? pitrPaths(options.rootDir ?? '/', options.pgCluster) : undefined;
  if (pitr !== undefined && !decision.config.db.pitr.enabled)
    notes.push(
      `--pitr: ${paths.configPath} is kept and has no db.pitr section with enabled: true; add it ` +
        '(see docs/backups.md) or use --force, then run the install again for its sudo rules',
    );
  if (pitr !== undefined) notes.push(`--pitr: cluster ${pitr.cluster}; restart PostgreSQL once for archive_mode`);
  const rules = sudoRulesFor(decision.config);
  await checkRulePrograms(rules);
  if (rules.length > 0 && resolveOnSecurePath('visudo') === undefined) {
    const sources = rules.map((r) => r.source).join(', ');
    const why = `sudo is not installed, and ${sources} in the agent config need it: apt-get install -y sudo`;
    if (!dryRun) throw new RecioError(ErrorCode.ConfigInvalid, why);
    notes.push(why);
  }
  for (const rule of rules) {
    if ((await readPath(rule.command)) === undefined)
      notes.push(`${rule.source}: ${rule.command} does not exist on this host; sudo will fail until it does`);
  }

  const agentEntry = options.agentEntry ?? findAgentEntry();
  const userOwner: Owner = { user: options.user, group };
  const root: Owner = { user: 'root', group: 'root' };
  const keyFile = join(home, '.ssh', 'authorized_keys');
  const keyOwner: Owner = { user: 'root', group };
  // sshd also reads authorized_keys2 by default: one the account left there would be a way in around ours.
  const strayKeyFile = join(home, '.ssh', 'authorized_keys2');
  const desired: DesiredInstall = {
    user: options.user,
    home,
    // The account's home, ~/.ssh and its key file are root's, readable by the account's group: the
    // account can neither edit its key line (drop `restrict,command=`) nor rename ~/.ssh away and
    // put its own in place, and nothing root writes there can be redirected by a link it planted.
    dirs: [
      { path: home, mode: 0o750, owner: keyOwner, policy: 'exact' },
      { path: join(home, '.ssh'), mode: 0o750, owner: keyOwner, policy: 'exact' },
      { path: dirname(paths.agentPath), mode: 0o755, owner: root, policy: 'if-missing' },
      { path: dirname(paths.configPath), mode: 0o755, owner: root, policy: 'if-missing' },
      ...(rules.length > 0
        ? [{ path: dirname(paths.sudoersPath), mode: 0o755, owner: root, policy: 'if-missing' as const }]
        : []),
      { path: paths.auditDir, mode: 0o750, owner: userOwner, policy: 'exact' },
      ...(pitr === undefined
        ? []
        : [
            { path: dirname(pitr.stanzaConf), mode: 0o755, owner: root, policy: 'if-missing' as const },
            { path: dirname(pitr.pgConf), mode: 0o755, owner: root, policy: 'if-missing' as const },
            {
              path: pitr.repo,
              mode: 0o750,
              owner: { user: 'postgres', group: 'postgres' },
              policy: 'if-missing' as const,
            },
          ]),
    ],
    files: [
      {
        path: paths.agentPath,
        content: launcherScript(options.nodePath ?? process.execPath, agentEntry),
        mode: 0o755,
        owner: root,
        policy: 'replace',
      },
      // root-owned, readable by the agent's group: the agent reads it but cannot rewrite what it may run.
      {
        path: paths.configPath,
        content: decision.defaultText,
        mode: 0o640,
        owner: { user: 'root', group },
        policy: options.force ? 'replace' : 'keep-existing',
        secrets,
      },
      ...(pitr === undefined ? [] : pitrFiles(pitr)),
    ],
    sudoers: {
      path: paths.sudoersPath,
      content: rules.length > 0 ? renderSudoers(options.user, rules, paths.configPath) : undefined,
      isOurs: (content) => content.startsWith(SUDOERS_MARKER),
    },
    lastFiles: [
      {
        path: keyFile,
        content: `${installLine({
          publicKey: options.publicKey,
          agentPath: paths.agentPath,
          configPath: paths.configPath,
          from: options.from,
        })}\n`,
        mode: 0o640,
        owner: keyOwner,
        policy: 'replace',
      },
    ],
    strays: [strayKeyFile],
  };
  const watched = [
    ...desired.dirs.map((d) => d.path),
    ...desired.files.map((f) => f.path),
    paths.sudoersPath,
    keyFile,
    strayKeyFile,
  ];
  const state = await readHostState(options.user, watched, ['root', group, ...(pitr ? ['postgres'] : [])]);
  const planned = planInstall(desired, state);
  const plan: Plan = { operations: planned.operations, notes: [...notes, ...planned.notes] };
  if (dryRun) return { paths, plan, dryRun };

  await applyOperations(plan.operations, undefined, options.user);
  const stanza = pitr === undefined ? undefined : await createStanza();
  const check =
    options.check === false ? undefined : await verifyAgent(options.user, paths.agentPath, paths.configPath);
  return { paths, plan, dryRun, ...(check ? { check } : {}), ...(stanza ? { stanza } : {}) };
}
