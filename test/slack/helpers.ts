import { EVENT_BOUND_MS } from '../support/bounds.js';
import { vi } from 'vitest';
import type { MessageRecord, EphemeralRecord } from '@recio/slack-emulator/index';
import type { BotHarness } from '../support/bot-harness.js';

/** Everything a person reads in a message: its text and every text inside its blocks. */
export function readable(message: Pick<MessageRecord | EphemeralRecord, 'text' | 'blocks'>): string {
  const texts: string[] = [message.text];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'text' && typeof inner === 'string') texts.push(inner);
        else walk(inner);
      }
    }
  };
  walk(message.blocks ?? []);
  return texts.join('\n');
}

/** Action ids of the buttons a message shows now. */
export function buttonsOf(message: Pick<MessageRecord, 'blocks'>): string[] {
  return (message.blocks ?? []).flatMap((b) =>
    (b as { type?: string; elements?: Array<{ type: string; action_id?: string }> }).type === 'actions'
      ? (b as { elements: Array<{ action_id?: string }> }).elements.map((e) => e.action_id ?? '')
      : [],
  );
}

export interface AuditRow {
  actor: string;
  action: string;
  target: string | null;
  outcome: string | null;
  detail: Record<string, unknown>;
}

export async function auditRows(bot: BotHarness, action?: string): Promise<AuditRow[]> {
  const where = action ? `WHERE action = '${action.replace(/'/g, '')}'` : '';
  const result = await bot.storeDb.query(
    `SELECT actor, action, target, outcome, detail FROM audit_log ${where} ORDER BY id`,
  );
  return result.rows as AuditRow[];
}

export async function count(bot: BotHarness, sql: string): Promise<number> {
  const result = await bot.storeDb.query(sql);
  return Number((result.rows[0] as { n: string | number }).n);
}

/** Every run, newest last. */
export async function runs(
  bot: BotHarness,
): Promise<Array<{ id: string; scenario: string; state: string; requested_by: string }>> {
  return (await bot.storeDb.query('SELECT id, scenario, state, requested_by FROM runs ORDER BY created_at'))
    .rows as never;
}

/**
 * `vi.waitFor` with room for a loaded machine: real sshd, supervisord and PostgreSQL run beside
 * other suites, so "soon" is up to EVENT_BOUND_MS here (the default 1 s makes tests flaky, not stricter; a
 * green run ends at the event, so the bound costs nothing).
 */
export function until<T>(
  check: () => T | Promise<T>,
  options: { timeout?: number; interval?: number } = {},
): Promise<T> {
  return vi.waitFor(check, {
    timeout: Math.max(options.timeout ?? 0, EVENT_BOUND_MS),
    interval: options.interval ?? 100,
  });
}
