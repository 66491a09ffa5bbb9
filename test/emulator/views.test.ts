import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createManualClock, type ManualClock } from '@recio/slack-emulator/index';
import { startSlackFake, type SlackFake } from '../support/slack-fake.js';
import { botClient, slackError } from './clients.js';
import { startRecordingBot, type RecordingBot } from './recording-bot.js';

/** Modals and Home: trigger ids that expire and cannot be reused, stacks, hashes, submissions. */
let fake: SlackFake;
let bot: RecordingBot;
let clock: ManualClock;
beforeEach(async () => {
  bot = await startRecordingBot();
  clock = createManualClock();
  fake = await startSlackFake({ requestUrl: bot.url, clock, rateLimits: { disabled: true } });
});
afterEach(async () => {
  await fake.close();
  await bot.close();
});

const OPS = 'C0OPS000001';
const plain = (text: string) => ({ type: 'plain_text', text });
const confirmModal = {
  type: 'modal',
  callback_id: 'confirm_restore',
  title: plain('Restore database'),
  submit: plain('Restore'),
  close: plain('Cancel'),
  private_metadata: 'run_42',
  blocks: [
    { type: 'section', text: { type: 'mrkdwn', text: 'Type *trading* to confirm.' } },
    {
      type: 'input',
      block_id: 'target',
      label: plain('Database name'),
      element: { type: 'plain_text_input', action_id: 'name' },
    },
  ],
};

async function triggerFor(user: string): Promise<string> {
  const delivery = await fake.deliver.slashCommand({ user, channel: OPS, text: 'rollback' });
  return delivery.triggerId as string;
}

describe('trigger_id', () => {
  test('opens a modal within 3 seconds, once', async () => {
    const client = botClient(fake);
    const trigger = await triggerFor('alice');
    clock.advance(3000);
    const opened = await client.views.open({ trigger_id: trigger, view: confirmModal as never });
    expect(opened.view).toMatchObject({
      id: expect.stringMatching(/^V/),
      type: 'modal',
      callback_id: 'confirm_restore',
      private_metadata: 'run_42',
      state: { values: {} },
    });
    expect(fake.state.openModal('U0ALICE0001')?.id).toBe(opened.view?.id);
    expect(await slackError(client.views.open({ trigger_id: trigger, view: confirmModal as never }))).toMatchObject({
      error: 'exchanged_trigger_id',
    });
  });

  test('a trigger older than 3 seconds → expired_trigger_id; an unknown one → invalid_trigger_id', async () => {
    const client = botClient(fake);
    const trigger = await triggerFor('alice');
    clock.advance(3001);
    expect(await slackError(client.views.open({ trigger_id: trigger, view: confirmModal as never }))).toMatchObject({
      error: 'expired_trigger_id',
    });
    expect(await slackError(client.views.open({ trigger_id: '1.2.abc', view: confirmModal as never }))).toMatchObject({
      error: 'invalid_trigger_id',
    });
    expect(fake.state.openModal('U0ALICE0001')).toBeUndefined();
  });

  test('a broken view → invalid_arguments with pointers under /view, and the trigger is not spent', async () => {
    const client = botClient(fake);
    const trigger = await triggerFor('alice');
    const error = await slackError(
      client.views.open({
        trigger_id: trigger,
        view: { ...confirmModal, title: plain('A title far too long for Slack') } as never,
      }),
    );
    expect(error.error).toBe('invalid_arguments');
    expect(error.response_metadata?.messages).toEqual([expect.stringContaining('[json-pointer:/view/title/text]')]);
    await client.views.open({ trigger_id: trigger, view: confirmModal as never });
  });
});

describe('stacks and updates', () => {
  test('views.push stacks at most 3 views', async () => {
    const client = botClient(fake);
    await client.views.open({ trigger_id: await triggerFor('alice'), view: confirmModal as never });
    await client.views.push({ trigger_id: await triggerFor('alice'), view: confirmModal as never });
    const third = await client.views.push({ trigger_id: await triggerFor('alice'), view: confirmModal as never });
    expect(third.view?.previous_view_id).toEqual(expect.stringMatching(/^V/));
    expect(
      await slackError(client.views.push({ trigger_id: await triggerFor('alice'), view: confirmModal as never })),
    ).toMatchObject({ error: 'push_limit_reached' });
  });

  test('views.update refuses a stale hash and keeps the history', async () => {
    const client = botClient(fake);
    const opened = await client.views.open({ trigger_id: await triggerFor('alice'), view: confirmModal as never });
    const id = opened.view?.id as string;
    const updated = await client.views.update({
      view_id: id,
      hash: opened.view?.hash as string,
      view: { ...confirmModal, title: plain('Restoring…') } as never,
    });
    expect(updated.view?.hash).not.toBe(opened.view?.hash);
    expect(
      await slackError(
        client.views.update({ view_id: id, hash: opened.view?.hash as string, view: confirmModal as never }),
      ),
    ).toMatchObject({ error: 'hash_conflict' });
    expect(await slackError(client.views.update({ view_id: 'V0NOPE', view: confirmModal as never }))).toMatchObject({
      error: 'not_found',
    });
    expect(fake.state.views.get(id)?.history).toHaveLength(1);
  });

  test('views.publish keeps one Home tab per user', async () => {
    const client = botClient(fake);
    const home = { type: 'home', blocks: [{ type: 'header', text: plain('REC.IO status') }] };
    const first = await client.views.publish({ user_id: 'U0ALICE0001', view: home as never });
    const second = await client.views.publish({ user_id: 'U0ALICE0001', view: home as never });
    expect(second.view?.id).toBe(first.view?.id);
    expect(fake.state.homeOf('U0ALICE0001')?.history).toHaveLength(1);
    expect(
      await slackError(client.views.publish({ user_id: 'U0ALICE0001', view: confirmModal as never })),
    ).toMatchObject({ error: 'invalid_arguments' });
  });
});

describe('submissions', () => {
  test('view_submission carries typed state.values; an empty ack closes the modal', async () => {
    await botClient(fake).views.open({ trigger_id: await triggerFor('alice'), view: confirmModal as never });
    bot.received.length = 0;
    await fake.deliver.submitView({ user: 'alice', values: { target: 'trading' } });
    const payload = JSON.parse(new URLSearchParams(bot.received[0]?.body).get('payload') ?? '{}');
    expect(payload).toMatchObject({
      type: 'view_submission',
      user: { id: 'U0ALICE0001', username: 'alice' },
      view: {
        callback_id: 'confirm_restore',
        private_metadata: 'run_42',
        state: { values: { target: { name: { type: 'plain_text_input', value: 'trading' } } } },
      },
      response_urls: [],
    });
    expect(fake.state.openModal('U0ALICE0001')).toBeUndefined();
  });

  test('response_action errors keeps the modal open with the errors; update replaces it', async () => {
    await botClient(fake).views.open({ trigger_id: await triggerFor('alice'), view: confirmModal as never });
    bot.reply = () => ({
      contentType: 'application/json',
      body: JSON.stringify({ response_action: 'errors', errors: { target: 'Type trading exactly' } }),
    });
    await fake.deliver.submitView({ user: 'alice', values: { target: 'tradin' } });
    expect(fake.state.openModal('U0ALICE0001')?.errors).toEqual({ target: 'Type trading exactly' });
    bot.reply = () => ({
      contentType: 'application/json',
      body: JSON.stringify({ response_action: 'update', view: { ...confirmModal, title: plain('Restoring') } }),
    });
    await fake.deliver.submitView({ user: 'alice', values: { target: 'trading' } });
    expect(fake.state.openModal('U0ALICE0001')?.view.title).toEqual(plain('Restoring'));
  });

  test('Slack will not submit a required input left empty', async () => {
    await botClient(fake).views.open({ trigger_id: await triggerFor('alice'), view: confirmModal as never });
    await expect(fake.deliver.submitView({ user: 'alice' })).rejects.toThrow(/required/);
  });

  test('a modal without `submit` shows no Submit button: nobody can submit it, nothing is sent', async () => {
    const { submit: _, blocks, ...rest } = confirmModal;
    const notice = { ...rest, callback_id: 'loading', blocks: [blocks[0]] };
    await botClient(fake).views.open({ trigger_id: await triggerFor('alice'), view: notice as never });
    bot.received.length = 0;
    await expect(fake.deliver.submitView({ user: 'alice' })).rejects.toThrow(/no Submit button/);
    expect(bot.received).toEqual([]);
    expect(fake.state.openModal('U0ALICE0001')?.view.callback_id).toBe('loading');
  });

  test('closing sends view_closed only with notify_on_close', async () => {
    const client = botClient(fake);
    await client.views.open({ trigger_id: await triggerFor('alice'), view: confirmModal as never });
    bot.received.length = 0;
    expect(await fake.deliver.closeView({ user: 'alice' })).toBeUndefined();
    expect(bot.received).toHaveLength(0);
    await client.views.open({
      trigger_id: await triggerFor('alice'),
      view: { ...confirmModal, notify_on_close: true } as never,
    });
    bot.received.length = 0;
    await fake.deliver.closeView({ user: 'alice', all: true });
    expect(JSON.parse(new URLSearchParams(bot.received[0]?.body).get('payload') ?? '{}')).toMatchObject({
      type: 'view_closed',
      is_cleared: true,
    });
    expect(fake.state.openModal('U0ALICE0001')).toBeUndefined();
  });
});
