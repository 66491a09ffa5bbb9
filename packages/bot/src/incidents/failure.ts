import type { Severity } from '../domain/index.js';

/** Something the monitor (or a person) saw fail, in typed form. */
export interface Failure {
  kind: 'program' | 'db' | 'tables' | 'provider' | 'feed' | 'backup' | 'offsite' | 'restore_test' | 'release';
  /** The host it was seen on; providers have none. */
  host?: string;
  /** The program, provider, feed or release tag concerned. */
  subject: string;
  /** FATAL, BACKOFF, down, 503, stale… */
  state: string;
  /** One line a person reads: what was seen. */
  detail: string;
  /** For a bad release: the tag to roll back to (the last known good one). */
  lastGoodTag?: string;
}

/** What a failure means for an incident: which fault it is, how bad, and which runbook recovers it. */
export interface Classified {
  fingerprint: string;
  title: string;
  severity: Severity;
  scenario: string;
  /** The runbook's parameter (the service, the tag), if it takes one. */
  value?: string;
}

const CORE_PROGRAMS = new Set(['trade_manager', 'trade_executor', 'active_trade_supervisor']);
const FEED_WATCHDOG: Record<string, string> = { btc_price: 'btc_price_watchdog', kalshi: 'kalshi_api_watchdog' };

/**
 * Maps a failure to its incident. The fingerprint decides what "the same fault" is: a program
 * flapping on one host is one fault however often it flaps; a DB down and its tables missing are
 * one fault of the DB.
 */
export function classify(failure: Failure): Classified {
  const where = failure.host ? ` on ${failure.host}` : '';
  switch (failure.kind) {
    case 'program':
      return {
        fingerprint: `program:${failure.host}/${failure.subject}`,
        title: `${failure.subject} ${failure.state}${where}`,
        severity: CORE_PROGRAMS.has(failure.subject) ? 'sev1' : 'sev2',
        scenario: 'service-crash',
        value: failure.subject,
      };
    case 'db':
    case 'tables':
      return {
        fingerprint: `db:${failure.host}`,
        title:
          failure.kind === 'db' ? `PostgreSQL down${where}` : `Database tables missing${where}: ${failure.subject}`,
        severity: 'sev1',
        scenario: 'postgres-failure',
      };
    case 'provider':
      return {
        fingerprint: `provider:${failure.subject}`,
        title: `${failure.subject} API unhealthy (${failure.state})`,
        severity: 'sev2',
        scenario: 'provider-outage',
      };
    case 'feed': {
      const watchdog = FEED_WATCHDOG[failure.subject] ?? failure.subject;
      return {
        fingerprint: `feed:${failure.subject}`,
        title: `${failure.subject} feed stale (${failure.state})`,
        severity: 'sev2',
        scenario: 'service-crash',
        value: watchdog,
      };
    }
    case 'backup':
      return {
        fingerprint: `backup:${failure.host}`,
        title: `Newest database backup too old${where} (${failure.state})`,
        severity: 'sev3',
        scenario: 'backup',
      };
    case 'offsite':
      // §2.1's offsite copy: the local dumps may be fine while the copy that survives the host is not.
      return {
        fingerprint: `offsite:${failure.host}`,
        title: `Newest offsite backup too old${where} (${failure.state})`,
        severity: 'sev3',
        scenario: 'backup',
      };
    case 'restore_test':
      // The nightly restore test: the dumps exist but would not bring the database back.
      return {
        fingerprint: `restore-test:${failure.host}`,
        title: `Backups cannot be restored${where}`,
        severity: 'sev2',
        scenario: 'backup',
      };
    case 'release':
      return {
        fingerprint: `release:${failure.host}/${failure.subject}`,
        title: `Services failing after deploy of ${failure.subject}${where}`,
        severity: 'sev1',
        scenario: 'bad-release',
        ...(failure.lastGoodTag ? { value: failure.lastGoodTag } : {}),
      };
  }
}
