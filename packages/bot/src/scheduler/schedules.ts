import { Cron } from 'croner';
import type { CheckResult } from '../doctor/check.js';
import type { Operations } from '../operations/operations.js';
import type { Store, StoreLogger } from '../store/index.js';
import { CONFIG_ARCHIVE_CRON, CONFIG_WATCH_CRON, HISTORY_ARCHIVE_CRON } from './archive-jobs.js';
import { drillReminder } from './drill-reminder.js';

/** Who scheduled work is done by, in timelines and audit rows. */
export const SCHEDULER = 'scheduler';

export interface ScheduleDeps {
  store: Store;
  ops: Operations;
  opsChannel?: string | undefined;
  logger: StoreLogger;
  /** Only the replica that leads the monitor runs scheduled work, so a dump is made once. */
  isLeader(): boolean;
  doctor(): Promise<CheckResult[]>;
  /** The nightly restore test of the newest dump on each database host (restore-test.ts). */
  restoreTest?: () => Promise<unknown>;
  /** §2.2's config archive (`ifChanged`: the change watch) and §2.3's history archive (archive-jobs.ts). */
  configArchive?: (ifChanged: boolean) => Promise<unknown>;
  historyArchive?: () => Promise<unknown>;
}

/**
 * Daily, two and a half hours after the default nightly dump (RECIO_BACKUP_CRON, 02:00), so it
 * tests tonight's dump; with another RECIO_BACKUP_CRON it tests the newest dump there is.
 */
export const RESTORE_TEST_CRON = '30 4 * * *';

/** Checks that failed now and did not before: what the daily report tells the channel about. */
export function newlyFailing(now: readonly string[], before: readonly string[]): string[] {
  return now.filter((name) => !before.includes(name));
}

/** The daily self-check: recorded every time, told to the ops channel only when it got worse. */
export async function dailyDoctor(deps: ScheduleDeps, now = new Date()): Promise<{ posted: boolean; worse: string[] }> {
  const results = await deps.doctor();
  const failing = results.filter((r) => !r.ok).map((r) => r.name);
  const { previous } = await deps.store.doctorReports.record(failing);
  const worse = newlyFailing(failing, previous);
  if (worse.length === 0 || deps.opsChannel === undefined) return { posted: false, worse };
  const lines = results
    .filter((r) => worse.includes(r.name))
    .map((r) => `:x: *${r.name}*: ${r.detail}${r.fix ? `\n→ ${r.fix}` : ''}`);
  await deps.store.outbox.enqueue({
    dedupeKey: `doctor:${now.toISOString().slice(0, 13)}`,
    channel: deps.opsChannel,
    kind: 'post',
    payload: { text: `recio doctor: ${worse.length} check(s) started failing since yesterday\n${lines.join('\n')}` },
  });
  return { posted: true, worse };
}

/** The §2.1 nightly dump: the backup runbook, started by the scheduler. */
export async function nightlyBackup(deps: ScheduleDeps, now = new Date()): Promise<void> {
  const actor = { id: SCHEDULER, roles: ['lead_operator' as const] };
  const day = now.toISOString().slice(0, 10);
  await deps.ops.handle({ kind: 'backup_now' }, actor, {
    surface: 'cli',
    ...(deps.opsChannel ? { channel: deps.opsChannel } : {}),
    deliveryKey: `scheduler:backup:${day}`,
    requestId: `backup-${day}`,
  });
}

/**
 * How long a delivery key is kept. Slack retries an Events API delivery three times (at once,
 * after 1 min, after 5 min), Socket Mode redelivers an unacked envelope within seconds, and a
 * trigger id dies after 3 s: a week is far past any retry, and short enough that the table stays small.
 */
export const DELIVERY_KEEP_MS = 7 * 24 * 3600_000;

/** Hourly, off the hour: the dedupe table must not grow forever. */
export const PRUNE_DELIVERIES_CRON = '41 * * * *';

/** Forgets delivery keys older than `DELIVERY_KEEP_MS`; returns how many. */
export async function pruneDeliveries(deps: Pick<ScheduleDeps, 'store' | 'logger'>, now = new Date()): Promise<number> {
  const pruned = await deps.store.deliveries.prune(new Date(now.getTime() - DELIVERY_KEEP_MS));
  if (pruned > 0) deps.logger.info({ pruned }, 'scheduler: old delivery keys pruned');
  return pruned;
}

const optional = <T>(job: T | undefined, make: (job: T) => Cron[]): Cron[] => (job === undefined ? [] : make(job));
/** Every 15 minutes: an unreviewed break-glass is brought up again once per reminder period. */
export const BREAK_GLASS_REMINDER_CRON = '*/15 * * * *';

/** Starts the cron jobs (croner parses the expressions); returns a stop function. */
export function startSchedules(
  deps: ScheduleDeps,
  crons: {
    backup: string;
    doctor: string;
    drill?: string;
    pruneDeliveries?: string;
    restoreTest?: string;
    configArchive?: string;
    configWatch?: string;
    historyArchive?: string;
  },
): () => void {
  const guarded = (name: string, job: () => Promise<unknown>) => async () => {
    if (!deps.isLeader()) return;
    await job().catch((error: Error) => deps.logger.error({ err: error.message, job: name }, 'scheduler: job failed'));
  };
  const jobs = [
    new Cron(
      crons.backup,
      { protect: true },
      guarded('backup', () => nightlyBackup(deps)),
    ),
    new Cron(
      crons.doctor,
      { protect: true },
      guarded('doctor', () => dailyDoctor(deps)),
    ),
    ...(crons.drill === undefined
      ? []
      : [
          new Cron(
            crons.drill,
            { protect: true },
            guarded('drill-reminder', () => drillReminder(deps)),
          ),
        ]),
    ...(deps.restoreTest === undefined
      ? []
      : [
          new Cron(
            crons.restoreTest ?? RESTORE_TEST_CRON,
            { protect: true },
            guarded('restore-test', deps.restoreTest),
          ),
        ]),
    ...optional(deps.configArchive, (archive) => [
      new Cron(
        crons.configArchive ?? CONFIG_ARCHIVE_CRON,
        { protect: true },
        guarded('config-archive', () => archive(false)),
      ),
      new Cron(
        crons.configWatch ?? CONFIG_WATCH_CRON,
        { protect: true },
        guarded('config-watch', () => archive(true)),
      ),
    ]),
    ...optional(deps.historyArchive, (archive) => [
      new Cron(crons.historyArchive ?? HISTORY_ARCHIVE_CRON, { protect: true }, guarded('history-archive', archive)),
    ]),
    new Cron(
      BREAK_GLASS_REMINDER_CRON,
      { protect: true },
      guarded('break-glass-reminders', () => deps.ops.remindBreakGlass()),
    ),
    new Cron(
      crons.pruneDeliveries ?? PRUNE_DELIVERIES_CRON,
      { protect: true },
      guarded('prune-deliveries', () => pruneDeliveries(deps)),
    ),
  ];
  return () => {
    for (const job of jobs) job.stop();
  };
}
