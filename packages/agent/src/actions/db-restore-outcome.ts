import type { ActionHandler } from '../action-context.js';
import { pollUntil, succeeded } from '../action-context.js';
import { isOutcome } from '../backup-files.js';
import { listTables } from '../pg-tables.js';
import { committed, isAlive, readJournal, removeJournal, restoreSessions, tableOids } from '../restore-journal.js';

/** How long a cut-off pg_restore's server session may take to notice and roll back. */
const SETTLE_MS = 60_000;

/**
 * db.restore.outcome — after a restore whose outcome the bot could not hear (the agent was killed,
 * the connection dropped): was it cut off, and what is in the database now.
 *
 * data: { interrupted: false } when no restore was cut off; else { interrupted: true, file, sha256,
 *       scope, tables, safetyDump, startedAt, settled, committed?, present, missing, message }
 *
 * The journal db.restore writes before pg_restore names the restore; pg_restore died with its agent
 * (dieWithAgent), and its single transaction either committed or was rolled back as a whole. Which
 * one is read from the tables' OIDs (restore-journal.ts). A settled journal is removed; one whose
 * pg_restore session is still connected stays, and the message says the outcome is not known yet.
 */
export const dbRestoreOutcome: ActionHandler<'db.restore.outcome'> = async (_params, ctx) => {
  const { dir } = ctx.config.backups;
  const journal = await readJournal(dir);
  if (journal === undefined) return succeeded({ interrupted: false, message: 'no restore was cut off' });
  const base = { ...journal, interrupted: true };
  if (journal.agentPid !== process.pid && isAlive(journal.agentPid)) {
    const message =
      `a restore of ${journal.file} is running now ` + `(agent pid ${journal.agentPid}, since ${journal.startedAt})`;
    return succeeded({ ...base, interrupted: false, running: true, message });
  }
  const settled = await pollUntil(ctx, Date.now() + SETTLE_MS, async () => {
    const sessions = await restoreSessions(ctx);
    return sessions === 0 ? true : undefined;
  });
  const oids = await tableOids(ctx);
  if (isOutcome(oids)) return oids;
  const present = await listTables(ctx);
  if (!Array.isArray(present)) return present;
  const missing = journal.tables.filter((t) => !present.includes(t));
  if (settled === undefined) {
    const message =
      `the restore of ${journal.file} was cut off, but a pg_restore session is still connected: ` +
      'its outcome is not known yet; ask again in a minute';
    return succeeded({ ...base, settled: false, present, missing, message });
  }
  const done = committed(journal, oids);
  await removeJournal(dir);
  const what = `the restore of ${journal.file} (started ${journal.startedAt})`;
  const before =
    journal.safetyDump === null
      ? { held: 'nothing (every table it restores was missing)', state: 'it was before it' }
      : { held: `the safety dump ${journal.safetyDump}`, state: `the safety dump ${journal.safetyDump} had it` };
  const message = done
    ? `${what} committed before the agent stopped: ${journal.tables.join(', ')} are the dump's now; ` +
      `${before.held} holds what was there before`
    : `${what} was cut off before it committed and rolled back: the database is as ${before.state}` +
      (missing.length > 0 ? `; still missing: ${missing.join(', ')}` : '');
  return succeeded({ ...base, settled: true, committed: done, present, missing, message });
};
