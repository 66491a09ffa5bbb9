import type { z } from 'zod';
import { ACTIONS, type ActionTraits } from './action-catalogue.js';

/**
 * What the rest of the code asks of the agent's vocabulary — the names, each action's params
 * schema, its traits — all read off the one catalogue in ./action-catalogue.ts.
 */
export { ACTIONS, type ActionSpec, type ActionTraits } from './action-catalogue.js';
export {
  BackupFileName,
  CONFIG_ARCHIVE,
  ConfigArchiveName,
  FeedName,
  HISTORY_ARCHIVE,
  NIGHTLY_DUMP,
  ReleaseTag,
  RestoreDirName,
  SAFETY_DUMP,
  ServiceName,
  Sha256,
  TableName,
  WaitSeconds,
} from './action-fields.js';

type Catalogue = typeof ACTIONS;
export type ActionName = keyof Catalogue;
export const ACTION_NAMES = Object.keys(ACTIONS) as ActionName[];

/** Each action's params schema, by name. */
export const ActionParams = Object.fromEntries(ACTION_NAMES.map((name) => [name, ACTIONS[name].params])) as {
  [A in ActionName]: Catalogue[A]['params'];
};
/** Params after parsing (defaults filled in): what an agent handler receives. */
export type ActionParamsOf<A extends ActionName> = z.infer<Catalogue[A]['params']>;
/** Params before parsing (defaults optional): what the bot may send. */
export type ActionInputOf<A extends ActionName> = z.input<Catalogue[A]['params']>;

export function isActionName(name: string): name is ActionName {
  return Object.hasOwn(ACTIONS, name);
}

export function traitsOf(action: ActionName): ActionTraits {
  return ACTIONS[action].traits;
}

/** Actions that change a host (or the remote store): never retried silently. */
export const MUTATING_ACTIONS: ReadonlySet<ActionName> = new Set(ACTION_NAMES.filter((a) => traitsOf(a).mutating));

/** Actions a second person with the right role must approve. Every one of them is also mutating. */
export const DANGEROUS_ACTIONS: ReadonlySet<ActionName> = new Set(ACTION_NAMES.filter((a) => traitsOf(a).dangerous));

/**
 * Whether a step interrupted by a crash may run again by itself: only one declared idempotent whose
 * action changes nothing (a bot-side check, not in this catalogue, changes nothing either). The
 * stored flag alone is not trusted (a row may predate the runbook loader's rule, or be written by
 * hand); the catalogue is. So a dangerous or any other mutating step is never re-run by recovery.
 */
export function repeatableAfterCrash(step: { action: string; idempotent: boolean }): boolean {
  if (!step.idempotent) return false;
  return !isActionName(step.action) || !traitsOf(step.action).mutating;
}
