import { GRANTS, type Permission } from '../access/roles.js';
import type { Vocabulary } from '../intents/intent.js';

const COMMANDS: Array<[string, string, Permission | null]> = [
  ['status [host]', 'supervisor programs on every host (or one)', 'view'],
  ['restart <service> [on <host>]', 'restart a program and wait for it to be RUNNING', 'operate'],
  ['start|stop <service> [on <host>]', 'start or stop a program', 'operate'],
  ['tail <service> [lines]', 'the last lines of its log', 'view'],
  ['run <scenario> [value] [--dry-run]', 'run a recovery runbook (value: the service for service-crash)', 'operate'],
  ['rollback [<tag>]', 'roll back to a release tag (a second lead_operator approves)', 'request_danger'],
  [
    'restore [<dump> [<table>…]]',
    'pick a dump, restore it whole or some tables (approved by another)',
    'request_danger',
  ],
  ['checklist', 'post the Recovery Verification Checklist; it ticks itself', 'view'],
  ['incident open [--security] <title>', 'declare an incident (its own thread)', 'declare'],
  ['incident close', "resolve this channel's open incident", 'resolve'],
  ['report [id]', 'the incident report', 'view'],
  ['backup now|list', 'dump the database now, or list the dumps and archives', 'operate'],
  [
    'backup config|history',
    'the encrypted config archive (§2.2), or the logs and price history (§2.3), now',
    'operate',
  ],
  [
    'backup restore <config archive> [into <dir>] [on <host>]',
    'decrypt a config archive into a new directory on the host, to compare',
    'operate',
  ],
];

/** `/recio help`: every command, who may use it, and the scenarios and services it knows. */
export function helpText(vocabulary: Vocabulary): string {
  const lines = COMMANDS.map(
    ([usage, what, permission]) =>
      `• \`/recio ${usage}\` — ${what}${permission ? ` _(${GRANTS[permission].join(', ')})_` : ''}`,
  );
  return [
    '*recio* runs the REC.IO v2 disaster recovery plan.',
    ...lines,
    `Scenarios: ${vocabulary.scenarios.map((s) => `\`${s}\``).join(', ')}`,
    `Services: ${vocabulary.services.map((s) => `\`${s}\``).join(', ')}`,
    'In an incident thread, mention me instead: `@recio restart trade_executor`.',
  ].join('\n');
}
