// PostgreSQL advisory locks share one key space per database with anything else using it (a
// shared DATABASE_URL may host other apps): the two-int form with our own class keeps us apart.

/** 'RECI' as an int4: the class of every advisory lock recio-bot takes. */
export const LOCK_CLASS = 0x52454349;
/** Held by the session that applies migrations. */
export const LOCK_MIGRATIONS = 1;
/** Held for a transaction that appends to the audit chain, so appends form one line. */
export const LOCK_AUDIT_CHAIN = 2;
/** The class of the per-instance presence locks, keyed by hashtext(instance id). */
export const PRESENCE_CLASS = 0x52454350;
/** Held by the one replica that runs the monitor. */
export const LOCK_MONITOR = 3;
