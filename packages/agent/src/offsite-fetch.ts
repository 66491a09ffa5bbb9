import { randomBytes } from 'node:crypto';
import { link, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ActionContext, ActionOutcome } from './action-context.js';
import { failed, failedRun } from './action-context.js';
import { ErrorCode } from '@recio/protocol/errors';
import { fillArgv } from './argv-template.js';
import { sha256File, writeSidecar } from './dump-hash.js';
import { createPrivateFile, ensurePrivateDir } from './private-files.js';

/**
 * Brings a dump back from the offsite store into the backups dir (backups.offsiteFetch), with the
 * `.sha256` that was copied beside it. It lands under its own name only when its bytes hash to
 * that record, and to `expected` when the request carries one (the hash an approval was given
 * for): an offsite copy that does not match is refused and never used.
 */
export async function fetchFromOffsite(
  ctx: ActionContext,
  file: string,
  expected?: string,
): Promise<{ fetched: true } | ActionOutcome | undefined> {
  const { dir, offsiteFetch, offsiteEnv } = ctx.config.backups;
  if (offsiteFetch === undefined) return undefined;
  await ensurePrivateDir(dir);
  const tag = randomBytes(6).toString('hex');
  const partial = join(dir, `.fetch-${tag}.partial`);
  const record = join(dir, `.fetch-${tag}.sha256.partial`);
  try {
    await createPrivateFile(partial);
    await createPrivateFile(record);
    const copy = await ctx.run(fillArgv(offsiteFetch, { file: partial, name: file }), { env: offsiteEnv });
    if (copy.exitCode !== 0 || copy.timedOut || copy.startError !== undefined)
      return failedRun(copy, `fetching ${file} back from offsite`, { file });
    const copyRecord = await ctx.run(fillArgv(offsiteFetch, { file: record, name: `${file}.sha256` }), {
      env: offsiteEnv,
    });
    const recorded = (copyRecord.exitCode === 0 ? await readFile(record, 'utf8') : '').trim().split(/\s+/)[0];
    const actual = await sha256File(partial);
    const wanted = expected ?? recorded;
    if (wanted === undefined || wanted === '' || actual !== wanted || (recorded !== '' && recorded !== actual)) {
      return failed(
        ErrorCode.BackupIncomplete,
        `the offsite copy of ${file} does not match its record (SHA-256 ${actual.slice(0, 12)}…, recorded ` +
          `${(recorded || 'none').slice(0, 12)}${expected ? `, approved ${expected.slice(0, 12)}…` : ''}): not used`,
        { file, sha256: actual, recorded: recorded || null },
        2,
      );
    }
    await link(partial, join(dir, file));
    await writeSidecar(join(dir, file), actual);
    return { fetched: true };
  } catch (error) {
    return failed(ErrorCode.ActionFailed, `could not fetch ${file} back from offsite: ${(error as Error).message}`);
  } finally {
    await rm(partial, { force: true });
    await rm(record, { force: true });
  }
}
