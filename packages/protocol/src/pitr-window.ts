/**
 * The recoverable window of point-in-time recovery on a database host: from the end of the oldest
 * base backup (nothing earlier can be rebuilt) to the newest WAL the archive holds (nothing later is
 * there to replay). db.pitr.window reports it; the bot checks a proposed target against it before
 * asking for approval, and db.pitr.restore checks it again before it stops anything.
 */
export interface PitrWindow {
  /** ISO UTC; null when the repository holds no base backup yet (nothing can be restored). */
  from: string | null;
  /** ISO UTC; null as `from`. */
  to: string | null;
  /**
   * `live`: now — the server answers and its archiver has not failed since it last succeeded, and
   * db.pitr.restore archives the current WAL segment before it restores. `archiver`: the server's
   * pg_stat_archiver.last_archived_time (its archiving fails now). `backup`: the newest base backup's
   * end, when the server is down.
   */
  toSource: 'live' | 'archiver' | 'backup' | 'none';
  backups: Array<{ label: string; type: string; start: string; stop: string }>;
  /** The oldest and newest WAL segment names in the archive. */
  wal: { min: string; max: string } | null;
}

export function windowText(window: PitrWindow): string {
  return window.from === null
    ? 'no base backup yet: nothing is recoverable'
    : `recoverable window: ${window.from} .. ${window.to} (UTC)`;
}

/** Why `target` cannot be recovered to, or undefined when it lies inside the window. */
export function outsideWindow(target: Date, window: PitrWindow, now: Date): string | undefined {
  const shown = windowText(window);
  if (target.getTime() > now.getTime()) return `${target.toISOString()} is in the future; ${shown}`;
  if (window.from === null || window.to === null) return 'the pgBackRest repository holds no base backup yet';
  if (target.getTime() < Date.parse(window.from))
    return `${target.toISOString()} is before the oldest base backup ended; ${shown}`;
  if (target.getTime() > Date.parse(window.to))
    return `${target.toISOString()} is after the newest archived WAL; ${shown}`;
  return undefined;
}
