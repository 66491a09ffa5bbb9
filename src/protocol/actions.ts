import { z } from 'zod';

/**
 * The agent's fixed vocabulary. The bot picks an action and validated params; the host's agent
 * config decides what each one runs. The same schemas are checked on both sides of the wire.
 */

/** A supervisor program name: no spaces, no shell metacharacters, never an option. */
export const ServiceName = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, 'expected a program name (letters, digits, _ . -)');

/** A PostgreSQL table name as `\dt` lists it. */
export const TableName = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a lower-case table name');

const waitSeconds = z.number().int().min(1).max(600).default(30);

export const ActionParams = {
  'service.status': z.strictObject({ service: ServiceName.optional() }),
  'service.start': z.strictObject({ service: ServiceName, waitSeconds }),
  'service.stop': z.strictObject({ service: ServiceName }),
  'service.restart': z.strictObject({ service: ServiceName, waitSeconds }),
  'service.tail': z.strictObject({ service: ServiceName, lines: z.number().int().min(1).max(5000).default(100) }),
  'db.status': z.strictObject({}),
  'db.restart': z.strictObject({ waitSeconds }),
  'db.tables': z.strictObject({ expected: z.array(TableName).max(500).optional() }),
  'backup.create': z.strictObject({}),
  'backup.list': z.strictObject({}),
  'deploy.current': z.strictObject({}),
} as const;

export type ActionName = keyof typeof ActionParams;
export const ACTION_NAMES = Object.keys(ActionParams) as ActionName[];
export type ActionParamsOf<A extends ActionName> = z.infer<(typeof ActionParams)[A]>;
export type ActionInputOf<A extends ActionName> = z.input<(typeof ActionParams)[A]>;

export function isActionName(name: string): name is ActionName {
  return Object.hasOwn(ActionParams, name);
}

/** Actions that change a host. Read-only ones may be retried freely; these never are, silently. */
export const MUTATING_ACTIONS: ReadonlySet<ActionName> = new Set<ActionName>([
  'service.start',
  'service.stop',
  'service.restart',
  'db.restart',
  'backup.create',
]);
