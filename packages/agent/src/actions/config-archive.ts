import { link, open, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { ActionContext, ActionHandler, ActionOutcome } from '../action-context.js';
import { failed, failedRun, succeeded } from '../action-context.js';
import { ErrorCode } from '@recio/protocol/errors';
import { encryptionOf, type Encryption } from '../archive-encryption.js';
import { fileExists, localStamp } from '../backup-files.js';
import { fillArgv } from '../argv-template.js';
import { archivedSources, listConfigArchives, recordSources, sourcesHash } from '../archive-files.js';
import { createPrivateFile, ensurePrivateDir } from '../private-files.js';

/**
 * config.archive — the plan's "Config & Secrets" backup (§2.2): `.env`, `MASTER_PORT_MANIFEST.json`,
 * `config.json`, in an encrypted archive.
 *
 * params: { ifChanged?: only when the files changed since the newest archive (the bot's change watch) }
 * data:   { file: config_<stamp>.tar.age (or .tar.enc), path, bytes, files, verified: 'decrypted' | 'header',
 *           offsite: true | false (no offsite store) } or, unchanged, { skipped: 'unchanged', newest }
 * config: configBackup.{files (relative ones inside deploy.repo), dir, method: age | openssl,
 *         ageRecipients | ageRecipientsFile, ageIdentityFile?, opensslKeyFile, tar, age, openssl}
 *
 * `tar -C / -cf - -- files…` is piped into the encryptor with execa's pipe API; the plaintext exists
 * only in that pipe, never on disk and never in the agent's output. The archive is written to a
 * partial name and kept only once it passes the postcondition: decrypted and listed with the
 * configured identity (every file in it), or, with no identity on the host (the safer setup: a
 * stolen host cannot read its own archives), that it is an age file. Copying it offsite is the
 * same job as a dump's (backup.offsite takes dumps only; the archive dir can be synced by the
 * admin's own rule) — now done here: with backups.offsite set, the archive goes to the same store
 * under its own name (`config_….tar.age`), and the files' hash is recorded only once it is there,
 * so a failed copy is retried by the next change watch.
 */
export const configArchive: ActionHandler<'config.archive'> = async ({ ifChanged }, ctx) => {
  const section = ctx.config.configBackup;
  const encryption = encryptionOf(section);
  if (typeof encryption === 'string') return failed(ErrorCode.NotConfigured, encryption, undefined, 2);
  const files = [...new Set(section.files.map((f) => resolve(isAbsolute(f) ? f : join(ctx.config.deploy.repo, f))))];
  const missing = [];
  for (const file of files) if (!(await fileExists(file))) missing.push(file);
  if (missing.length > 0)
    return failed(ErrorCode.FileMissing, `config files not found: ${missing.join(', ')}`, { missing }, 2);

  const warning = await ensurePrivateDir(section.dir);
  const sources = await sourcesHash(files);
  const newest = (await listConfigArchives(section.dir))[0];
  if (ifChanged && newest !== undefined && (await archivedSources(section.dir)) === sources)
    return succeeded({ skipped: 'unchanged', newest: newest.file, files });
  const name = `config_${localStamp(new Date())}.tar.${encryption.extension}`;
  const path = join(section.dir, name);
  const partial = join(section.dir, `.${name}.partial`);
  const members = files.map((f) => relative('/', f));
  try {
    // 0600 before the encryptor writes a byte: it opens the file with truncation, keeping the mode.
    await createPrivateFile(partial);
    const written = await ctx.pipe(
      [...section.tar, '-C', '/', '-cf', '-', '--', ...members],
      encryption.encrypt(partial),
    );
    if (written.from.exitCode !== 0 || written.from.timedOut || written.from.startError !== undefined)
      return failedRun(written.from, 'tar');
    if (written.to.exitCode !== 0 || written.to.timedOut || written.to.startError !== undefined)
      return failedRun(written.to, `${section.method} (encrypt)`);
    const verified = await verifyArchive(ctx, encryption, partial, members);
    if (typeof verified !== 'string') return verified;
    await link(partial, path);
    const data = { file: name, path, bytes: (await stat(path)).size, files, verified, ...(warning ? { warning } : {}) };
    const offsite = await copyOffsite(ctx, path, name);
    if (offsite !== true && offsite !== false) return failedRun(offsite, `offsite copy of ${name}`, data);
    await recordSources(section.dir, sources);
    return succeeded({ ...data, offsite });
  } finally {
    await rm(partial, { force: true });
  }
};

/** The archive to the dumps' offsite store: true once copied, false when there is none configured. */
async function copyOffsite(ctx: ActionContext, path: string, name: string) {
  const { offsite, offsiteEnv } = ctx.config.backups;
  if (offsite === undefined) return false;
  const copy = await ctx.run(fillArgv(offsite, { file: path, name }), { env: offsiteEnv });
  return copy.exitCode === 0 && !copy.timedOut && copy.startError === undefined ? true : copy;
}

async function verifyArchive(
  ctx: ActionContext,
  encryption: Encryption,
  archive: string,
  members: string[],
): Promise<'decrypted' | 'header' | ActionOutcome> {
  if (encryption.decrypt === undefined) {
    return (await startsWith(archive, encryption.header))
      ? 'header'
      : failed(ErrorCode.ActionFailed, 'the archive written is not an age file');
  }
  const listed = await ctx.pipe(encryption.decrypt(archive), [...ctx.config.configBackup.tar, '-tf', '-']);
  if (listed.from.exitCode !== 0 || listed.from.timedOut) return failedRun(listed.from, 'the archive does not decrypt');
  if (listed.to.exitCode !== 0 || listed.to.timedOut)
    return failedRun(listed.to, 'the decrypted archive does not list');
  const names = new Set(
    listed.to.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.replace(/\/+$/, '')),
  );
  const absent = members.filter((m) => !names.has(m));
  return absent.length === 0 ? 'decrypted' : failed(ErrorCode.ActionFailed, `the archive lacks ${absent.join(', ')}`);
}

async function startsWith(path: string, header: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(header.length);
    const { bytesRead } = await handle.read(buffer, 0, header.length, 0);
    return buffer.toString('utf8', 0, bytesRead) === header;
  } finally {
    await handle.close();
  }
}
