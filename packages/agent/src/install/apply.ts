import { lstat, rm, unlink } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { execa } from 'execa';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { gidOf, uidOf } from './host-state.js';
import type { Operation, Owner } from './operations.js';
import { makeDirSafely, setAttributesSafely, writeFileSafely, type Guard } from './safe-fs.js';

async function idsOf(owner: Owner): Promise<{ uid: number; gid: number }> {
  const uid = await uidOf(owner.user);
  const gid = await gidOf(owner.group);
  if (uid === undefined || gid === undefined)
    throw new RecioError(ErrorCode.Internal, `no such owner ${owner.user}:${owner.group}`);
  return { uid, gid };
}

async function run(file: string, args: string[]): Promise<void> {
  const result = await execa(file, args, { reject: false });
  if (result.exitCode !== 0) {
    const output = (result.stderr || result.stdout || result.shortMessage || '').trim();
    throw new RecioError(
      ErrorCode.ActionFailed,
      `${file} ${args.join(' ')} failed (exit ${result.exitCode}): ${output}`,
    );
  }
}

/**
 * The drop-in is checked on its own before it is moved into place, and the whole policy after:
 * a sudoers file with an error can stop sudo working for everyone on the host, root's sudo too.
 * If the whole policy fails the check, the previous state is put back.
 */
async function writeSudoers(
  path: string,
  content: string,
  previous: string | undefined,
  guard: Guard | undefined,
): Promise<void> {
  const root = { uid: 0, gid: 0 };
  await writeFileSafely(path, content, 0o440, root, guard, (temp) => run('visudo', ['-c', '-q', '-f', temp]));
  try {
    await run('visudo', ['-c', '-q']);
  } catch (error) {
    if (previous === undefined) await unlink(path);
    else await writeFileSafely(path, previous, 0o440, root, guard);
    throw error;
  }
}

async function kindOf(path: string): Promise<'file' | 'dir'> {
  const stat = await lstat(path);
  if (stat.isSymbolicLink())
    throw new RecioError(ErrorCode.InvalidParams, `${path} is a symlink: refusing to chown/chmod through it`);
  return stat.isDirectory() ? 'dir' : 'file';
}

/** `guard`: the agent's account, whose own files and directories root must not write through. */
export async function applyOperation(op: Operation, guard?: Guard): Promise<void> {
  switch (op.kind) {
    case 'create-user':
      await run('useradd', [
        '--system',
        '--user-group',
        // No --create-home: the home is made by the install itself, root-owned (see install-agent.ts).
        '--home-dir',
        op.home,
        '--shell',
        op.shell,
        '--comment',
        op.comment,
        '--password',
        '*',
        op.user,
      ]);
      return;
    case 'update-user':
      await run('usermod', [
        ...(op.shell ? ['--shell', op.shell] : []),
        ...(op.unlock ? ['--password', '*'] : []),
        op.user,
      ]);
      return;
    case 'make-dir':
      await makeDirSafely(op.path, op.mode, await idsOf(op.owner), guard);
      return;
    case 'set-attributes':
      await setAttributesSafely(op.path, op.mode, await idsOf(op.owner), await kindOf(op.path));
      return;
    case 'write-file':
      await writeFileSafely(op.path, op.content, op.mode, await idsOf(op.owner), guard);
      return;
    case 'write-sudoers':
      await writeSudoers(op.path, op.content, op.previous, guard);
      return;
    case 'remove-file':
      await rm(op.path, { force: true });
      return;
    case 'remove-dir':
      await rm(op.path, { recursive: true, force: true });
      return;
    case 'remove-user':
      // userdel refuses (exit 8) while a process runs as the user, e.g. the bot's open session: say so.
      // The home is root's (the install made it so): userdel --remove would refuse it (exit 12), so the
      // account goes first and the home after, without following any link the account left in it.
      await run('userdel', [op.user]);
      if (!isAbsolute(op.home) || op.home.split('/').filter(Boolean).length < 2)
        throw new RecioError(ErrorCode.InvalidParams, `refusing to remove the home ${JSON.stringify(op.home)}`);
      await rm(op.home, { recursive: true, force: true });
      return;
  }
}

/**
 * Applies in order and stops at the first failure, naming it; what was done before it stays done
 * (a re-run continues).
 */
export async function applyOperations(
  operations: readonly Operation[],
  onApplied: (op: Operation) => void = () => undefined,
  account?: string,
): Promise<void> {
  for (const op of operations) {
    // Looked up per operation: the first one may be the account's creation.
    const guard = account === undefined ? undefined : { account, uid: await uidOf(account) };
    await applyOperation(op, guard);
    onApplied(op);
  }
}
