import { chmod, chown, mkdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { execa } from 'execa';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { gidOf, uidOf } from './host-state.js';
import type { Operation, Owner } from './operations.js';

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

/** A temp name beside the target: rename is atomic only within one filesystem. sudo skips names with a dot. */
const tempBeside = (path: string) => join(dirname(path), `.${basename(path)}.recio-tmp-${process.pid}`);

/** Write to a temp file with its final mode and owner, then rename over the target: never a half-written file. */
async function writeAtomically(
  path: string,
  content: string,
  mode: number,
  owner: Owner,
  check?: (temp: string) => Promise<void>,
): Promise<void> {
  const { uid, gid } = await idsOf(owner);
  const temp = tempBeside(path);
  try {
    await writeFile(temp, content, { mode, flag: 'w' });
    await chown(temp, uid, gid);
    await chmod(temp, mode);
    await check?.(temp);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * The drop-in is checked on its own before it is moved into place, and the whole policy after:
 * a sudoers file with an error can stop sudo working for everyone on the host, root's sudo too.
 * If the whole policy fails the check, the previous state is put back.
 */
async function writeSudoers(path: string, content: string, previous: string | undefined): Promise<void> {
  await writeAtomically(path, content, 0o440, { user: 'root', group: 'root' }, (temp) =>
    run('visudo', ['-c', '-q', '-f', temp]),
  );
  try {
    await run('visudo', ['-c', '-q']);
  } catch (error) {
    if (previous === undefined) await unlink(path);
    else await writeAtomically(path, previous, 0o440, { user: 'root', group: 'root' });
    throw error;
  }
}

export async function applyOperation(op: Operation): Promise<void> {
  switch (op.kind) {
    case 'create-user':
      await run('useradd', [
        '--system',
        '--user-group',
        '--create-home',
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
    case 'make-dir': {
      const { uid, gid } = await idsOf(op.owner);
      // Missing parents get 0755 (root's): a 0750 parent would lock the agent's user out of its own dir.
      await mkdir(dirname(op.path), { recursive: true, mode: 0o755 });
      await mkdir(op.path, { mode: op.mode });
      await chown(op.path, uid, gid);
      await chmod(op.path, op.mode);
      return;
    }
    case 'set-attributes': {
      const { uid, gid } = await idsOf(op.owner);
      await chown(op.path, uid, gid);
      await chmod(op.path, op.mode);
      return;
    }
    case 'write-file':
      await writeAtomically(op.path, op.content, op.mode, op.owner);
      return;
    case 'write-sudoers':
      await writeSudoers(op.path, op.content, op.previous);
      return;
    case 'remove-file':
      await rm(op.path, { force: true });
      return;
    case 'remove-dir':
      await rm(op.path, { recursive: true, force: true });
      return;
    case 'remove-user':
      // userdel refuses (exit 8) while a process runs as the user, e.g. the bot's open session: say so.
      await run('userdel', ['--remove', op.user]);
      return;
  }
}

/** Applies in order and stops at the first failure, naming it; what was done before it stays done (a re-run continues). */
export async function applyOperations(
  operations: readonly Operation[],
  onApplied: (op: Operation) => void = () => undefined,
): Promise<void> {
  for (const op of operations) {
    await applyOperation(op);
    onApplied(op);
  }
}
