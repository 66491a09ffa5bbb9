import { hostname } from 'node:os';
import { ACTION_NAMES } from '@recio/protocol/actions';
import { PROTOCOL_VERSION } from '@recio/protocol/messages';
import type { ActionHandler } from '../action-context.js';
import { succeeded } from '../action-context.js';
import { eventListenerSetup } from '../supervisor-program-config.js';
import { AGENT_VERSION } from '../wire.js';

/**
 * agent.info — for `recio doctor`: versions, the services the config allows (to compare with
 * supervisor's), and what silently breaks a recovery if missing: the feed queries and expected
 * tables the checklist probes, an offsite copy of the dumps, the supervisord event listener.
 */
export const agentInfo: ActionHandler<'agent.info'> = async (_params, ctx) =>
  succeeded({
    agentVersion: AGENT_VERSION,
    protocol: PROTOCOL_VERSION,
    host: ctx.config.host ?? hostname(),
    services: ctx.config.services,
    actions: ACTION_NAMES,
    backupsDir: ctx.config.backups.dir,
    db: { expectedTables: ctx.config.db.expectedTables, feeds: Object.keys(ctx.config.db.feeds) },
    offsite: ctx.config.backups.offsite !== undefined,
    eventListener: eventListenerSetup(ctx.config.supervisorctl, ctx.config.events.spool),
  });
