import { allows } from '../access/roles.js';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import type { DrillContext } from './drill-types.js';
import type { Actor, Origin } from '../domain/index.js';

/**
 * The drill acts as `drill`, a lead_operator: every click it makes is audited under that name. It
 * is a different person from whoever approves, so the two-person rule holds as written.
 */
export const DRILL_ACTOR: Actor = { id: 'drill', roles: ['lead_operator'] };

/**
 * Where the drill's requests come from: a client like the terminal, with its own delivery keys
 * (a retried step lands on the same run).
 */
export function drillOrigin(ctx: DrillContext, key: string): Origin {
  return {
    surface: 'cli',
    ...(ctx.channel ? { channel: ctx.channel } : {}),
    deliveryKey: `drill:${key}`,
    requestId: `drill-${key}`,
  };
}

/** The second person, checked for the approve permission before anything is broken. */
export async function approverFor(ctx: DrillContext, id: string): Promise<Actor> {
  if (id === DRILL_ACTOR.id)
    throw new RecioError(
      ErrorCode.SelfApproval,
      'the drill cannot approve its own requests: name a second person (--approve-as)',
    );
  const actor = await ctx.ops.actorFor(id);
  if (actor.readOnly)
    throw new RecioError(
      ErrorCode.NotAuthorised,
      `${id} is a terminal user not in RECIO_CLI_USERS: ` +
        "map it to a lead_operator's Slack id, or name one with --approve-as",
    );
  if (!allows(actor.roles, 'approve')) {
    throw new RecioError(
      ErrorCode.NotAuthorised,
      `${id} cannot approve the drill's restore or rollback: ` +
        `approving is for a lead_operator (roles: ${actor.roles.join(', ') || 'none'})`,
    );
  }
  return actor;
}
