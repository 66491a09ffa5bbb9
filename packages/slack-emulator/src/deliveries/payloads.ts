import type { EphemeralRecord, Json, MessageRecord, ViewRecord } from '../records.js';
import type { EmulatorCore } from '../web-api/context.js';
import { messageJson, viewJson } from '../web-api/shapes.js';
import type { SlackChannel, SlackUser } from '../workspace.js';

/**
 * Payloads exactly as Slack sends them (field names and nesting from
 * https://api.slack.com/interactivity/slash-commands, …/reference/interaction-payloads and
 * https://api.slack.com/apis/events-api). The legacy verification `token` is included because
 * Slack still sends it.
 */
export const VERIFICATION_TOKEN = 'emulatorVerificationTkn1';

function userRef(core: EmulatorCore, u: SlackUser): Json {
  return { id: u.id, username: u.name, name: u.name, team_id: core.workspace.team.id };
}

function team(core: EmulatorCore): Json {
  return { id: core.workspace.team.id, domain: core.workspace.team.domain };
}

/** Slash commands arrive form-encoded; every value is a string. Field order follows Slack's docs. */
export function slashCommandPayload(
  core: EmulatorCore,
  p: { user: SlackUser; channel: SlackChannel; command: string; text: string; responseUrl: string; triggerId: string },
): Record<string, string> {
  return {
    token: VERIFICATION_TOKEN,
    team_id: core.workspace.team.id,
    team_domain: core.workspace.team.domain,
    channel_id: p.channel.id,
    channel_name: p.channel.isIm ? 'directmessage' : p.channel.name,
    user_id: p.user.id,
    user_name: p.user.name,
    command: p.command,
    text: p.text,
    api_app_id: core.workspace.appId,
    is_enterprise_install: 'false',
    response_url: p.responseUrl,
    trigger_id: p.triggerId,
  };
}

export type ActionSource =
  | { kind: 'message'; message: MessageRecord }
  | { kind: 'ephemeral'; ephemeral: EphemeralRecord }
  | { kind: 'view'; view: ViewRecord };

export function blockActionsPayload(
  core: EmulatorCore,
  p: {
    user: SlackUser;
    source: ActionSource;
    actions: Json[];
    triggerId: string;
    responseUrl?: string;
    stateValues: Json;
  },
): Json {
  const base: Json = {
    type: 'block_actions',
    user: userRef(core, p.user),
    api_app_id: core.workspace.appId,
    token: VERIFICATION_TOKEN,
    trigger_id: p.triggerId,
    team: team(core),
    enterprise: null,
    is_enterprise_install: false,
  };
  const channelJson = (id: string) => {
    const c = core.workspace.channels.get(id);
    return { id, name: c?.isIm ? 'directmessage' : (c?.name ?? id) };
  };
  if (p.source.kind === 'view') {
    const v = p.source.view;
    Object.assign(base, {
      container: { type: 'view', view_id: v.id },
      view: viewJson(core, v),
    });
  } else if (p.source.kind === 'message') {
    const m = p.source.message;
    Object.assign(base, {
      container: {
        type: 'message',
        message_ts: m.ts,
        channel_id: m.channel,
        is_ephemeral: false,
        ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
      },
      channel: channelJson(m.channel),
      message: messageJson(core, m),
    });
  } else {
    // Slack does not send the message body for ephemeral messages, only the container.
    const e = p.source.ephemeral;
    Object.assign(base, {
      container: { type: 'message', message_ts: e.ts, channel_id: e.channel, is_ephemeral: true },
      channel: channelJson(e.channel),
    });
  }
  return {
    ...base,
    state: { values: p.stateValues },
    ...(p.responseUrl ? { response_url: p.responseUrl } : {}),
    actions: p.actions,
  };
}

export function viewSubmissionPayload(
  core: EmulatorCore,
  p: { user: SlackUser; view: ViewRecord; triggerId: string },
): Json {
  return {
    type: 'view_submission',
    team: team(core),
    user: userRef(core, p.user),
    api_app_id: core.workspace.appId,
    token: VERIFICATION_TOKEN,
    trigger_id: p.triggerId,
    view: viewJson(core, p.view),
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

export function viewClosedPayload(
  core: EmulatorCore,
  p: { user: SlackUser; view: ViewRecord; isCleared: boolean },
): Json {
  return {
    type: 'view_closed',
    team: team(core),
    user: userRef(core, p.user),
    api_app_id: core.workspace.appId,
    token: VERIFICATION_TOKEN,
    view: viewJson(core, p.view),
    is_cleared: p.isCleared,
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** The outer Events API envelope around an inner event. */
export function eventCallbackPayload(core: EmulatorCore, event: Json, eventId: string): Json {
  const now = Math.floor(core.clock.now() / 1000);
  return {
    token: VERIFICATION_TOKEN,
    team_id: core.workspace.team.id,
    context_team_id: core.workspace.team.id,
    context_enterprise_id: null,
    api_app_id: core.workspace.appId,
    event,
    type: 'event_callback',
    event_id: eventId,
    event_time: now,
    authorizations: [
      {
        enterprise_id: null,
        team_id: core.workspace.team.id,
        user_id: core.workspace.bot.userId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${Buffer.from(eventId).toString('base64url')}`,
  };
}

/** The inner event for a user's message: `app_mention` when it mentions the bot, else `message`. */
export function messageEvent(
  core: EmulatorCore,
  type: 'app_mention' | 'message',
  m: MessageRecord,
  channel: SlackChannel,
): Json {
  return {
    ...(type === 'message'
      ? { type: 'message', channel_type: channel.isIm ? 'im' : channel.isPrivate ? 'group' : 'channel' }
      : { type }),
    user: m.user,
    text: m.text,
    ts: m.ts,
    ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
    channel: m.channel,
    event_ts: m.ts,
    team: core.workspace.team.id,
    client_msg_id: `${m.ts.replace('.', '')}-emulator`,
    blocks: m.blocks ?? [],
  };
}

export function urlVerificationPayload(challenge: string): Json {
  return { token: VERIFICATION_TOKEN, challenge, type: 'url_verification' };
}
