import { ErrorCode, RecioError } from '@recio/protocol/errors';
import type { HostState, PathState } from './host-state.js';
import { modeText, type Operation, type Owner, type Plan } from './operations.js';

export const AGENT_SHELL = '/bin/sh';
/** The account's comment field: how uninstall knows the account is ours to delete. */
export const USER_COMMENT = 'recio-agent (made by recio agent install)';

export interface DesiredDir {
  path: string;
  mode: number;
  owner: Owner;
  /** `exact`: ours, mode and owner enforced. `if-missing`: shared (/etc/recio), created but never changed. */
  policy: 'exact' | 'if-missing';
}

export interface DesiredFile {
  path: string;
  content: string;
  mode: number;
  owner: Owner;
  /** `keep-existing`: an existing file is the admin's and stays (the agent config without --force). */
  policy: 'replace' | 'keep-existing';
  secrets?: string[];
}

/** The end state an install wants; `planInstall` turns it into the operations that reach it from what is there. */
export interface DesiredInstall {
  user: string;
  home: string;
  /** In the order they are to be made: parents first. */
  dirs: DesiredDir[];
  /** Written in this order, before the sudoers drop-in (whose rules come from the config among them). */
  files: DesiredFile[];
  sudoers: { path: string; content: string | undefined; isOurs: (content: string) => boolean };
  /** Written last (authorized_keys): the key opens the door only once everything behind it is in place. */
  lastFiles: DesiredFile[];
  /** Files removed when present (a second key file sshd would also read). */
  strays?: string[];
}

function attributesDiffer(state: PathState, mode: number, owner: Owner, host: HostState): string | undefined {
  const uid = host.uids.get(owner.user);
  const gid = host.gids.get(owner.group);
  if (state.mode === mode && state.uid === uid && state.gid === gid) return undefined;
  return `${modeText(state.mode)} uid ${state.uid} gid ${state.gid}`;
}

/** Pure: the operations that take the host from `state` to `desired`; none when it is there already. */
export function planInstall(desired: DesiredInstall, state: HostState): Plan {
  const operations: Operation[] = [];
  const notes: string[] = [];
  const user = state.user;
  if (user === undefined) {
    operations.push({
      kind: 'create-user',
      user: desired.user,
      home: desired.home,
      shell: AGENT_SHELL,
      comment: USER_COMMENT,
    });
  } else {
    const shell = user.shell === AGENT_SHELL ? undefined : AGENT_SHELL;
    const unlock = user.passwordField.startsWith('!');
    if (shell !== undefined || unlock)
      operations.push({
        kind: 'update-user',
        user: desired.user,
        ...(shell ? { shell } : {}),
        ...(unlock ? { unlock } : {}),
      });
  }

  for (const dir of desired.dirs) {
    const current = state.paths.get(dir.path);
    if (current === undefined) {
      operations.push({ kind: 'make-dir', path: dir.path, mode: dir.mode, owner: dir.owner });
    } else if (current.kind !== 'dir') {
      throw new RecioError(
        ErrorCode.InvalidParams,
        `${dir.path} exists and is not a directory (${current.kind}): move it away first`,
      );
    } else if (dir.policy === 'exact') {
      const was = attributesDiffer(current, dir.mode, dir.owner, state);
      if (was !== undefined)
        operations.push({ kind: 'set-attributes', path: dir.path, mode: dir.mode, owner: dir.owner, was });
    }
  }

  for (const stray of desired.strays ?? []) {
    if (state.paths.get(stray) !== undefined) operations.push({ kind: 'remove-file', path: stray });
  }
  for (const file of desired.files) operations.push(...planFile(file, state, notes));

  const sudoers = state.paths.get(desired.sudoers.path);
  const wanted = desired.sudoers.content;
  if (wanted === undefined) {
    // No privileged command in the config: a drop-in left from an earlier config would grant what is no longer needed.
    if (sudoers?.content !== undefined && desired.sudoers.isOurs(sudoers.content))
      operations.push({ kind: 'remove-file', path: desired.sudoers.path });
  } else if (
    sudoers?.kind !== 'file' ||
    sudoers.content !== wanted ||
    attributesDiffer(sudoers, 0o440, { user: 'root', group: 'root' }, state) !== undefined
  ) {
    if (sudoers?.content !== undefined && !desired.sudoers.isOurs(sudoers.content)) {
      throw new RecioError(
        ErrorCode.InvalidParams,
        `${desired.sudoers.path} exists and was not written by recio agent install: ` +
          'choose another --sudoers-file or remove it',
      );
    }
    operations.push({
      kind: 'write-sudoers',
      path: desired.sudoers.path,
      content: wanted,
      ...(sudoers?.content !== undefined ? { previous: sudoers.content } : {}),
    });
  }
  for (const file of desired.lastFiles) operations.push(...planFile(file, state, notes));
  return { operations, notes };
}

function planFile(file: DesiredFile, state: HostState, notes: string[]): Operation[] {
  const current = state.paths.get(file.path);
  const secrets = file.secrets ? { secrets: file.secrets } : {};
  if (current === undefined)
    return [
      { kind: 'write-file', path: file.path, content: file.content, mode: file.mode, owner: file.owner, ...secrets },
    ];
  if (current.kind === 'dir')
    throw new RecioError(ErrorCode.InvalidParams, `${file.path} is a directory: move it away first`);
  if (file.policy === 'keep-existing') {
    if (current.content !== file.content)
      notes.push(`kept the existing ${file.path} (--force replaces it with the default)`);
    // A symlinked config is the admin's arrangement: chmod would go through to its target.
    if (current.kind !== 'file') return [];
  } else if (current.kind === 'symlink') {
    throw new RecioError(
      ErrorCode.InvalidParams,
      `${file.path} is a symlink: refusing to write through or over it (remove it, then run the install again)`,
    );
  } else if (current.kind !== 'file' || current.content !== file.content) {
    const previous = current.content !== undefined ? { previous: current.content } : {};
    return [
      {
        kind: 'write-file',
        path: file.path,
        content: file.content,
        mode: file.mode,
        owner: file.owner,
        ...previous,
        ...secrets,
      },
    ];
  }
  const was = attributesDiffer(current, file.mode, file.owner, state);
  return was === undefined
    ? []
    : [{ kind: 'set-attributes', path: file.path, mode: file.mode, owner: file.owner, was }];
}
