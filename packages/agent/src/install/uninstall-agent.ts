import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { applyOperations } from './apply.js';
import { readPath, readUser, type PathState, type UserState } from './host-state.js';
import { checkOwnAccount } from './install-agent.js';
import { resolveInstallPaths, type InstallPaths, type PathOptions } from './install-paths.js';
import { LAUNCHER_MARKER } from './launcher.js';
import type { Operation, Plan } from './operations.js';
import { SUDOERS_MARKER } from './sudo-rules.js';

export interface UninstallAgentOptions extends PathOptions {
  /** Also remove the agent config and the audit log: they are the admin's record, kept by default. */
  purge?: boolean;
  dryRun?: boolean;
}

export interface UninstallState {
  user?: UserState;
  sudoers?: PathState;
  launcher?: PathState;
  config?: PathState;
  auditDir?: PathState;
}

/**
 * Pure: what to remove. Privilege goes first (sudoers), then the way in (the account with its
 * authorized_keys), then the rest; a file at our path that we did not write is left with a note.
 */
export function planUninstall(paths: InstallPaths, userName: string, state: UninstallState, purge: boolean): Plan {
  const operations: Operation[] = [];
  const notes: string[] = [];
  const removeIfOurs = (path: string, current: PathState | undefined, marker: string) => {
    if (current === undefined) return;
    // The marker is the first line, or the second after a #! line.
    const ours = (current.content ?? '')
      .split('\n')
      .slice(0, 2)
      .some((line) => line.startsWith(marker));
    if (ours) operations.push({ kind: 'remove-file', path });
    else notes.push(`left ${path}: not written by recio agent install`);
  };
  removeIfOurs(paths.sudoersPath, state.sudoers, SUDOERS_MARKER);
  if (state.user !== undefined) operations.push({ kind: 'remove-user', user: userName, home: state.user.home });
  removeIfOurs(paths.agentPath, state.launcher, LAUNCHER_MARKER);
  if (purge) {
    if (state.config !== undefined) operations.push({ kind: 'remove-file', path: paths.configPath });
    if (state.auditDir !== undefined) operations.push({ kind: 'remove-dir', path: paths.auditDir });
  } else {
    if (state.config !== undefined) notes.push(`kept ${paths.configPath} (--purge removes it)`);
    if (state.auditDir !== undefined) notes.push(`kept ${paths.auditDir} (--purge removes it)`);
  }
  return { operations, notes };
}

export async function uninstallAgent(
  options: UninstallAgentOptions,
): Promise<{ paths: InstallPaths; plan: Plan; dryRun: boolean }> {
  const paths = resolveInstallPaths(options);
  const dryRun = options.dryRun ?? false;
  if (!dryRun && process.getuid?.() !== 0)
    throw new RecioError(ErrorCode.NotAuthorised, 'recio agent uninstall must run as root; --dry-run works without');
  const user = await readUser(options.user);
  // Deleting an account someone else made (a person called recio) would take their home with it.
  checkOwnAccount(user);
  const state: UninstallState = {};
  if (user) state.user = user;
  const entries = [
    ['sudoers', paths.sudoersPath],
    ['launcher', paths.agentPath],
    ['config', paths.configPath],
    ['auditDir', paths.auditDir],
  ] as const;
  for (const [key, path] of entries) {
    const found = await readPath(path);
    if (found) state[key] = found;
  }
  const plan = planUninstall(paths, options.user, state, options.purge ?? false);
  if (!dryRun) await applyOperations(plan.operations);
  return { paths, plan, dryRun };
}
