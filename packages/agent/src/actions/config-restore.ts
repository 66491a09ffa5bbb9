import { lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { ErrorCode } from '@recio/protocol/errors';
import type { ActionHandler } from '../action-context.js';
import { failed, failedRun, succeeded } from '../action-context.js';
import { encryptionOf } from '../archive-encryption.js';
import { listConfigArchives } from '../archive-files.js';
import { ensurePrivateDir, PRIVATE_DIR } from '../private-files.js';

/**
 * config.restore — §2.2's way back, for a person: an archive decrypted into a NEW directory under
 * configBackup.restoreDir (0700), to compare with the live files (`diff -r`) before copying anything
 * back by hand. It never writes into deploy.repo or over anything that exists.
 *
 * params: { file: config_<stamp>.tar.age|.tar.enc, into?: a directory name (default: the archive's stamp) }
 * data:   { file, dir, files: [paths inside dir] }
 *
 * Refused, nothing written: an archive that is not there (the answer lists the ones there are), a
 * target directory that exists, a host without a key that can decrypt (the usual age setup: the
 * identity is not on the host; docs/backups.md says how to decrypt by hand), an archive whose
 * members are absolute or climb out with `..`. tar runs with --no-same-owner and
 * --no-same-permissions, and GNU tar delays links it cannot trust, so nothing lands outside the dir.
 */
export const configRestore: ActionHandler<'config.restore'> = async ({ file, into }, ctx) => {
  const section = ctx.config.configBackup;
  const archives = await listConfigArchives(section.dir);
  if (!archives.some((a) => a.file === file)) {
    const there = archives.slice(0, 5).map((a) => a.file);
    return failed(
      ErrorCode.BackupMissing,
      `no config archive ${file} in ${section.dir}` +
        (there.length > 0 ? `; newest: ${there.join(', ')}` : '; there are no config archives yet'),
      { available: there },
      2,
    );
  }
  const root = resolve(section.restoreDir);
  const live = resolve(ctx.config.deploy.repo);
  if (!relative(live, root).startsWith('..') || !relative(root, live).startsWith('..'))
    return failed(
      ErrorCode.ConfigInvalid,
      `configBackup.restoreDir (${root}) overlaps the live config in ${live}: refusing to restore there`,
      undefined,
      2,
    );
  const encryption = encryptionOf(section);
  if (typeof encryption === 'string') return failed(ErrorCode.NotConfigured, encryption, undefined, 2);
  const archive = join(section.dir, file);
  if (!file.endsWith(`.${encryption.extension}`) || encryption.decrypt === undefined)
    return failed(
      ErrorCode.NotConfigured,
      `this host holds no key that decrypts ${file} (configBackup.${
        file.endsWith('.age') ? 'ageIdentityFile' : 'opensslKeyFile'
      } is not set, as is safest): decrypt it by hand where the key is (docs/backups.md)`,
      undefined,
      2,
    );
  const name = into ?? file.replace(/^config_/, '').replace(/\.tar\.(?:age|enc)$/, '');
  const target = join(root, name);
  if (
    await lstat(target).then(
      () => true,
      () => false,
    )
  )
    return failed(
      ErrorCode.InvalidParams,
      `${target} already exists: choose another directory name (a restore never writes over anything)`,
      { dir: target },
      2,
    );

  const listed = await ctx.pipe(encryption.decrypt(archive), [...section.tar, '-tf', '-']);
  if (listed.from.exitCode !== 0 || listed.from.timedOut) return failedRun(listed.from, `${file} does not decrypt`);
  if (listed.to.exitCode !== 0 || listed.to.timedOut) return failedRun(listed.to, `${file} does not list`);
  const members = listed.to.stdout.split('\n').filter((l) => l !== '');
  const unsafe = members.filter((m) => m.startsWith('/') || m.split('/').includes('..'));
  if (unsafe.length > 0)
    return failed(ErrorCode.ActionFailed, `${file} has members outside its own tree: ${unsafe.slice(0, 3).join(', ')}`);

  await ensurePrivateDir(root);
  // Not recursive: the directory must be new, made by us, 0700 (it holds secrets once unpacked).
  await mkdir(target, { mode: PRIVATE_DIR });
  const unpacked = await ctx.pipe(encryption.decrypt(archive), [
    ...section.tar,
    '-x',
    '--no-same-owner',
    '--no-same-permissions',
    '-C',
    target,
    '-f',
    '-',
  ]);
  if (unpacked.from.exitCode !== 0 || unpacked.to.exitCode !== 0 || unpacked.from.timedOut || unpacked.to.timedOut) {
    await rm(target, { recursive: true, force: true });
    return failedRun(unpacked.to.exitCode !== 0 ? unpacked.to : unpacked.from, `unpacking ${file}`);
  }
  const files = (await readdir(target, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => relative(target, join(entry.parentPath, entry.name)))
    .sort();
  return succeeded({ file, dir: target, files });
};
