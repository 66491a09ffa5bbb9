import { describe, expect, test } from 'vitest';
import { parseAgentConfig } from '@recio/agent/agent-config';
import { checkRequest } from '@recio/agent/dispatch';
import { type ActionHandlers, HANDLERS } from '@recio/agent/handlers';
import {
  ACTION_NAMES,
  ACTIONS,
  type ActionName,
  ActionParams,
  DANGEROUS_ACTIONS,
  isActionName,
  MUTATING_ACTIONS,
  traitsOf,
} from '@recio/protocol/actions';
import { PROTOCOL_VERSION } from '@recio/protocol/messages';

const READ_ONLY: ActionName[] = [
  'service.status',
  'service.tail',
  'db.status',
  'db.tables',
  'db.freshness',
  'db.pitr.window',
  'backup.list',
  'backup.verify',
  'db.rewind',
  'db.restore.outcome',
  'archive.list',
  'agent.info',
  'deploy.current',
  'deploy.tags',
  'events.follow',
];

describe('the action catalogue', () => {
  test('every action has a one-line summary and at least one example, and every example is valid params', () => {
    for (const name of ACTION_NAMES) {
      const { summary, examples, params } = ACTIONS[name];
      expect(summary, name).toMatch(/^[^\n]{10,110}$/);
      expect(examples.length, name).toBeGreaterThan(0);
      for (const example of examples) {
        const parsed = params.safeParse(example);
        expect(parsed.success, `${name} ${JSON.stringify(example)}: ${parsed.error?.message}`).toBe(true);
      }
    }
  });

  test('the agent accepts every example as the bot sends it, the same schema on both sides of the wire', () => {
    const config = parseAgentConfig('', 'agent.yml');
    for (const name of ACTION_NAMES) {
      for (const [index, params] of ACTIONS[name].examples.entries()) {
        const checked = checkRequest({ v: PROTOCOL_VERSION, id: `ex-${index}`, action: name, params }, config);
        expect(checked, `${name} ${JSON.stringify(params)}`).toMatchObject({ action: name });
      }
    }
  });

  test('the check can fail: an example with a wrong field is refused by name', () => {
    const parsed = ActionParams['service.restart'].safeParse({ service: 'trade_executor', force: true });
    expect(parsed.success).toBe(false);
  });

  test(
    'reads are read-only and repeatable; ' + 'restore and rollback are dangerous; restarts are never repeated blindly',
    () => {
      expect(ACTION_NAMES.filter((name) => !traitsOf(name).mutating).sort()).toEqual([...READ_ONLY].sort());
      expect([...DANGEROUS_ACTIONS].sort()).toEqual(['db.pitr.restore', 'db.restore', 'deploy.rollback']);
      const notRepeatable = ACTION_NAMES.filter((name) => !traitsOf(name).idempotent).sort();
      // config.restore refuses a directory that exists: run again after a crash it would only fail.
      expect(notRepeatable).toEqual([
        'config.restore',
        'db.pitr.restore',
        'db.restart',
        'db.restore',
        'deploy.rollback',
        'service.restart',
      ]);
      for (const name of ACTION_NAMES) {
        const traits = traitsOf(name);
        if (traits.dangerous) expect(traits, name).toMatchObject({ mutating: true, idempotent: false });
        if (!traits.mutating) expect(traits, name).toMatchObject({ dangerous: false, idempotent: true });
      }
      expect([...MUTATING_ACTIONS].sort()).toEqual(ACTION_NAMES.filter((name) => !READ_ONLY.includes(name)).sort());
    },
  );

  test('the action list, the params map and the names the agent knows are the catalogue', () => {
    expect(ACTION_NAMES).toEqual(Object.keys(ACTIONS));
    expect(Object.keys(ActionParams)).toEqual(ACTION_NAMES);
    for (const name of ACTION_NAMES) expect(ActionParams[name]).toBe(ACTIONS[name].params);
    expect(isActionName('db.restore')).toBe(true);
    expect(isActionName('toString')).toBe(false);
    expect(Object.keys(HANDLERS).sort()).toEqual([...ACTION_NAMES].sort());
  });

  test('a handler table without an action, or with one the catalogue lacks, does not compile', () => {
    const { 'deploy.rollback': _rollback, ...withoutRollback } = HANDLERS;
    // @ts-expect-error: deploy.rollback has no handler
    const missing: ActionHandlers = withoutRollback;
    // @ts-expect-error: db.drop is not an action
    const extra: ActionHandlers = { ...HANDLERS, 'db.drop': HANDLERS['db.status'] };
    expect(Object.keys(missing)).not.toContain('deploy.rollback');
    expect(Object.keys(extra)).toContain('db.drop');
  });
});
