import { parseMemberList, type RoleMembers } from '../access/roles.js';
import type { Config } from '../config.js';
import type { SlackSettings } from './web-client.js';

/** How to reach Slack, from the config; undefined without a bot token (the bot then serves only the local console). */
export function slackSettingsFromConfig(config: Config): SlackSettings | undefined {
  const env = config.env;
  if (!env.SLACK_BOT_TOKEN) return undefined;
  return {
    botToken: env.SLACK_BOT_TOKEN,
    signingSecret: env.SLACK_SIGNING_SECRET,
    appToken: env.SLACK_APP_TOKEN,
    apiUrl: env.SLACK_API_URL,
    port: env.PORT,
  };
}

/**
 * Who holds which role (users and user groups; an empty list is nobody), the ops channel, and how
 * long approvals stay open — for Operations and the engine, whatever the edge.
 */
export function accessFromConfig(config: Config): {
  roleMembers: RoleMembers;
  opsChannel: string | undefined;
  approvalTtlMs: number;
} {
  const env = config.env;
  return {
    roleMembers: {
      lead_operator: parseMemberList(env.RECIO_LEAD_OPERATORS),
      system_architect: parseMemberList(env.RECIO_SYSTEM_ARCHITECTS),
      security_officer: parseMemberList(env.RECIO_SECURITY_OFFICERS),
    },
    opsChannel: env.RECIO_OPS_CHANNEL,
    approvalTtlMs: env.RECIO_APPROVAL_TTL_MINUTES * 60_000,
  };
}
