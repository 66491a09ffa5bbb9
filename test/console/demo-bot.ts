import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { App, LogLevel } from '@slack/bolt';
import type { SlackEmulator } from '@recio/slack-emulator/index';
import { silentLogger } from '../emulator/clients.js';

/**
 * A small Bolt app standing in for recio-bot until the real one is wired: `/recio status` posts a
 * Block Kit status, `/recio rollback <tag>` posts an approval request whose Approve click rewrites
 * it "approved by <user>" (chat.update) — unless the requester clicks it, who gets an ephemeral
 * denial —, "Add note" opens a modal whose submission is posted back, and an @mention is answered
 * in its thread. It runs over signed HTTP, so every console click went through Bolt's signature check.
 */
export const DEMO = {
  approve: 'approve_rollback',
  deny: 'deny_rollback',
  addNote: 'add_note',
  noteView: 'note_modal',
  preview: 'preview_note',
  more: 'more_note',
  tail: 'tail_service',
} as const;

function statusBlocks(user: string): unknown[] {
  return [
    { type: 'header', text: { type: 'plain_text', text: 'REC.IO status' } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text:
          `Asked by <@${user}> — *3 of 4* services up, _one_ degraded: \`trade_executor\`. ` +
          'See <https://example.com/runbook|the runbook>.',
      },
      accessory: {
        type: 'overflow',
        action_id: 'status_more',
        options: [{ text: { type: 'plain_text', text: 'Refresh' }, value: 'refresh' }],
      },
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*db*\n:large_green_circle: up' },
        { type: 'mrkdwn', text: '*trade_executor*\n:red_circle: FATAL' },
      ],
    },
    { type: 'divider' },
    { type: 'context', elements: [{ type: 'mrkdwn', text: 'host `local` · checked just now' }] },
    {
      type: 'actions',
      elements: [
        { type: 'button', action_id: DEMO.addNote, text: { type: 'plain_text', text: 'Add note' } },
        {
          type: 'static_select',
          action_id: DEMO.tail,
          placeholder: { type: 'plain_text', text: 'Tail a service' },
          options: ['db', 'trade_executor'].map((s) => ({ text: { type: 'plain_text', text: s }, value: s })),
        },
      ],
    },
  ];
}

function approvalBlocks(requester: string, tag: string): unknown[] {
  return [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text:
          `:rotating_light: <@${requester}> asks to *roll back* to \`${tag}\`. ` +
          'A second lead operator must approve.',
      },
    },
    {
      type: 'actions',
      block_id: 'approval',
      elements: [
        {
          type: 'button',
          action_id: DEMO.approve,
          style: 'primary',
          value: `${requester}|${tag}`,
          text: { type: 'plain_text', text: 'Approve' },
        },
        {
          type: 'button',
          action_id: DEMO.deny,
          style: 'danger',
          value: `${requester}|${tag}`,
          text: { type: 'plain_text', text: 'Deny' },
          confirm: {
            title: { type: 'plain_text', text: 'Deny the rollback?' },
            text: { type: 'mrkdwn', text: 'The requester will be told.' },
            confirm: { type: 'plain_text', text: 'Deny' },
            deny: { type: 'plain_text', text: 'Keep it' },
            style: 'danger',
          },
        },
      ],
    },
  ];
}

/** The note modal; with `preview`, the same inputs plus what was typed so far (a views.update). */
function noteModal(channel: string, preview?: string): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: DEMO.noteView,
    private_metadata: channel,
    title: { type: 'plain_text', text: 'Add a note' },
    submit: { type: 'plain_text', text: 'Post note' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: 'note',
        label: { type: 'plain_text', text: 'Note' },
        element: { type: 'plain_text_input', action_id: 'text', multiline: true },
      },
      {
        type: 'input',
        block_id: 'severity',
        label: { type: 'plain_text', text: 'Severity' },
        element: {
          type: 'static_select',
          action_id: 'level',
          options: ['low', 'high'].map((v) => ({ text: { type: 'plain_text', text: v }, value: v })),
        },
      },
      {
        type: 'input',
        block_id: 'notify',
        optional: true,
        label: { type: 'plain_text', text: 'Notify' },
        element: {
          type: 'checkboxes',
          action_id: 'who',
          options: [{ text: { type: 'plain_text', text: 'Security' }, value: 'security' }],
        },
      },
      {
        type: 'actions',
        elements: [
          { type: 'button', action_id: DEMO.preview, text: { type: 'plain_text', text: 'Preview' } },
          { type: 'button', action_id: DEMO.more, text: { type: 'plain_text', text: 'More' } },
        ],
      },
      ...(preview === undefined
        ? []
        : [{ type: 'context', elements: [{ type: 'plain_text', text: `Preview: ${preview}` }] }]),
    ],
  };
}

function register(app: App): void {
  app.command('/recio', async ({ ack, command, client }) => {
    await ack();
    const [verb, arg] = command.text.split(/\s+/);
    if (verb === 'rollback') {
      await client.chat.postMessage({
        channel: command.channel_id,
        text: `rollback to ${arg} requested`,
        blocks: approvalBlocks(command.user_id, arg ?? 'previous') as never,
      });
    } else {
      await client.chat.postMessage({
        channel: command.channel_id,
        text: 'REC.IO status',
        blocks: statusBlocks(command.user_id) as never,
      });
    }
  });
  app.action(DEMO.approve, async ({ ack, body, action, client }) => {
    await ack();
    const [requester, tag] = String((action as { value?: string }).value).split('|');
    const channel = body.channel?.id ?? '';
    const ts = (body as { message?: { ts: string } }).message?.ts ?? '';
    if (body.user.id === requester) {
      await client.chat.postEphemeral({
        channel,
        user: body.user.id,
        text: ':no_entry: You cannot approve your own rollback: ask another lead operator.',
      });
      return;
    }
    const text = `:white_check_mark: Rollback to \`${tag}\` approved by <@${body.user.id}>`;
    await client.chat.update({
      channel,
      ts,
      text,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] as never,
    });
  });
  app.action(DEMO.deny, async ({ ack, body, client }) => {
    await ack();
    const ts = (body as { message?: { ts: string } }).message?.ts ?? '';
    await client.chat.update({ channel: body.channel?.id ?? '', ts, text: `denied by <@${body.user.id}>`, blocks: [] });
  });
  app.action(DEMO.addNote, async ({ ack, body, client }) => {
    await ack();
    await client.views.open({
      trigger_id: (body as { trigger_id: string }).trigger_id,
      view: noteModal(body.channel?.id ?? '') as never,
    });
  });
  app.action(DEMO.preview, async ({ ack, body, client }) => {
    await ack();
    const view = (
      body as {
        view: {
          id: string;
          hash: string;
          private_metadata: string;
          state: { values: Record<string, Record<string, { value?: string | null }>> };
        };
      }
    ).view;
    const typed = view.state.values.note?.text?.value ?? '';
    await client.views.update({
      view_id: view.id,
      hash: view.hash,
      view: noteModal(view.private_metadata, typed) as never,
    });
  });
  app.action(DEMO.more, async ({ ack, body, client }) => {
    await ack();
    await client.views.push({
      trigger_id: (body as { trigger_id: string }).trigger_id,
      view: {
        type: 'modal',
        title: { type: 'plain_text', text: 'Details' },
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Pushed on top of the note' } }],
      },
    });
  });
  app.action(/^(status_more|tail_service)$/, async ({ ack }) => ack());
  app.view(DEMO.noteView, async ({ ack, view, body, client }) => {
    const v = view.state.values;
    const note = v.note?.text?.value ?? '';
    if (note.length < 3) {
      await ack({ response_action: 'errors', errors: { note: 'Write at least 3 characters' } });
      return;
    }
    await ack();
    const level = v.severity?.level?.selected_option?.value ?? '';
    await client.chat.postMessage({
      channel: view.private_metadata,
      text: `Note from <@${body.user.id}> (${level}): ${note}`,
    });
  });
  app.event('app_mention', async ({ event, say }) => {
    await say({ text: `heard: ${event.text}`, thread_ts: event.thread_ts ?? event.ts });
  });
}

export async function startDemoBot(emulator: SlackEmulator): Promise<App> {
  const app = new App({
    token: emulator.tokens.bot,
    signingSecret: emulator.signingSecret,
    logger: silentLogger as never,
    logLevel: LogLevel.ERROR,
    // Slack allows ~1 post/s per channel; like a real bot, wait out the 429's Retry-After and retry.
    clientOptions: {
      slackApiUrl: emulator.apiUrl,
      retryConfig: { retries: 3, factor: 1, minTimeout: 50, maxTimeout: 100 },
    },
  });
  register(app);
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
  emulator.setRequestUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`);
  return app;
}
