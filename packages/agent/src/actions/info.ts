import { hostname } from 'node:os';
import { ACTION_NAMES } from '@recio/protocol/actions';
import { PROTOCOL_VERSION } from '@recio/protocol/messages';
import type { ActionHandler } from '../action-context.js';
import { succeeded } from '../action-context.js';
import { AGENT_VERSION } from '../wire.js';

/** agent.info — for `recio doctor`: versions, and the services the config allows (to compare with supervisor's). */
export const agentInfo: ActionHandler<'agent.info'> = async (_params, ctx) =>
  succeeded({
    agentVersion: AGENT_VERSION,
    protocol: PROTOCOL_VERSION,
    host: ctx.config.host ?? hostname(),
    services: ctx.config.services,
    actions: ACTION_NAMES,
    backupsDir: ctx.config.backups.dir,
  });
