import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { validateBlocks, validateView } from '@recio/slack-emulator/index';
import { startSlackFake, type SlackFake } from '../support/slack-fake.js';
import { botClient, slackError } from './clients.js';
import { startRecordingBot, type RecordingBot } from './recording-bot.js';

/**
 * What Slack refuses that a lenient fake would let through (issue 15): a property Slack does not
 * know, an initial option that is not among the options, `max_length: 0`, context text over the
 * text object's 3000 characters, the same action_id twice in one block. Each is checked on the
 * validator and through the real @slack/web-api client, with the error Slack answers.
 */
const plain = (text: string) => ({ type: 'plain_text', text });
const option = (value: string, label = value) => ({ text: plain(label), value });
const select = (over: Record<string, unknown> = {}) => ({
  type: 'static_select',
  action_id: 'pick',
  options: [option('v2.4.0'), option('v2.5.0')],
  ...over,
});
const input = (element: unknown) => ({ type: 'input', block_id: 'in', label: plain('Tag'), element });
const modal = (blocks: unknown[], over: Record<string, unknown> = {}) => ({
  type: 'modal',
  title: plain('Pick'),
  submit: plain('Go'),
  blocks,
  ...over,
});
const errors = (blocks: unknown[]) => validateBlocks(blocks, { surface: 'message' });

describe('unknown properties are refused (the Block Kit schema has additionalProperties: false)', () => {
  test('on a block, an element, a text object, an option, a confirm dialog and a view', () => {
    expect(errors([{ type: 'divider', colour: 'red' }])).toEqual([
      expect.stringContaining('(unknown property "colour") [json-pointer:/blocks/0/colour]'),
    ]);
    const button = { type: 'button', text: plain('Go'), action_id: 'go', value: 'x' };
    expect(errors([{ type: 'actions', elements: [{ ...button, tooltip: 'no' }] }])).toEqual([
      expect.stringContaining('[json-pointer:/blocks/0/elements/0/tooltip]'),
    ]);
    expect(errors([{ type: 'section', text: { type: 'mrkdwn', text: 'hi', markdown: true } }])).toEqual([
      expect.stringContaining('[json-pointer:/blocks/0/text/markdown]'),
    ]);
    const badOption = { ...option('a'), selected: true };
    expect(validateView(modal([input(select({ options: [badOption] }))]))).toEqual([
      expect.stringContaining('[json-pointer:/view/blocks/0/element/options/0/selected]'),
    ]);
    const confirm = { title: plain('Sure?'), text: plain('Really'), confirm: plain('Yes'), deny: plain('No'), x: 1 };
    expect(errors([{ type: 'actions', elements: [{ ...button, confirm }] }])).toEqual([
      expect.stringContaining('[json-pointer:/blocks/0/elements/0/confirm/x]'),
    ]);
    expect(validateView(modal([], { colour: 'red' }))).toEqual([
      expect.stringContaining('[json-pointer:/view/colour]'),
    ]);
    expect(validateView({ type: 'home', blocks: [], submit: plain('No') })).toEqual([
      expect.stringContaining('[json-pointer:/view/submit]'),
    ]);
  });

  test('a field of another element type is unknown on this one', () => {
    // `max_length` belongs to plain_text_input, not to a select.
    expect(validateView(modal([input(select({ max_length: 10 }))]))).toEqual([
      expect.stringContaining('[json-pointer:/view/blocks/0/element/max_length]'),
    ]);
  });

  test('block_id is known on every block, and the same blocks without extras pass', () => {
    expect(errors([{ type: 'divider', block_id: 'd1' }])).toEqual([]);
    expect(validateView(modal([input(select())]))).toEqual([]);
  });
});

describe('initial options must be among the options', () => {
  test('static_select initial_option', () => {
    expect(validateView(modal([input(select({ initial_option: option('v2.4.0') }))]))).toEqual([]);
    expect(validateView(modal([input(select({ initial_option: option('v2.3.0') }))]))).toEqual([
      expect.stringContaining('[json-pointer:/view/blocks/0/element/initial_option]'),
    ]);
    // Same value, other label: not an exact match.
    expect(validateView(modal([input(select({ initial_option: option('v2.4.0', 'v2.4.0 (current)') }))]))).toEqual([
      expect.stringContaining('must match one of the options exactly'),
    ]);
  });

  test('in option groups, and for checkboxes initial_options', () => {
    const grouped = select({
      options: undefined,
      option_groups: [{ label: plain('Good'), options: [option('v2.4.0')] }],
      initial_option: option('v2.4.0'),
    });
    expect(validateView(modal([input(grouped)]))).toEqual([]);
    const boxes = { type: 'checkboxes', action_id: 'c', options: [option('a'), option('b')] };
    expect(validateView(modal([input({ ...boxes, initial_options: [option('b')] })]))).toEqual([]);
    expect(validateView(modal([input({ ...boxes, initial_options: [option('c')] })]))).toEqual([
      expect.stringContaining('[json-pointer:/view/blocks/0/element/initial_options/0]'),
    ]);
  });
});

describe('plain_text_input lengths', () => {
  const text = (over: Record<string, unknown>) => modal([input({ type: 'plain_text_input', action_id: 't', ...over })]);

  test('max_length is 1 to 3000 (0 is refused); min_length 0 to 3000', () => {
    expect(validateView(text({ max_length: 1, min_length: 0 }))).toEqual([]);
    expect(validateView(text({ max_length: 3000, min_length: 3000 }))).toEqual([]);
    expect(validateView(text({ max_length: 0 }))).toEqual([
      expect.stringContaining('[json-pointer:/view/blocks/0/element/max_length]'),
    ]);
    expect(validateView(text({ max_length: 3001 }))).toHaveLength(1);
    expect(validateView(text({ min_length: 3001 }))).toEqual([
      expect.stringContaining('[json-pointer:/view/blocks/0/element/min_length]'),
    ]);
  });
});

describe('context text', () => {
  test('each text element is a text object: at most 3000 characters', () => {
    const context = (n: number) => [{ type: 'context', elements: [{ type: 'mrkdwn', text: 'x'.repeat(n) }] }];
    expect(errors(context(3000))).toEqual([]);
    expect(errors(context(3001))).toEqual([expect.stringContaining('[json-pointer:/blocks/0/elements/0/text]')]);
  });
});

describe('duplicate action_ids', () => {
  const skip = (value: string) => ({ type: 'button', text: plain('Skip'), action_id: 'skip', value });

  test('twice in one actions block is refused; once in each of two blocks is fine', () => {
    expect(errors([{ type: 'actions', elements: [skip('a'), skip('b')] }])).toEqual([
      expect.stringContaining('duplicate action_id "skip" in block [json-pointer:/blocks/0/elements/1/action_id]'),
    ]);
    expect(
      errors([
        { type: 'actions', block_id: 'one', elements: [skip('a')] },
        { type: 'actions', block_id: 'two', elements: [skip('b')] },
      ]),
    ).toEqual([]);
  });
});

describe('through the Web API, with the error Slack answers', () => {
  let fake: SlackFake;
  let bot: RecordingBot;
  beforeEach(async () => {
    bot = await startRecordingBot();
    fake = await startSlackFake({ requestUrl: bot.url, rateLimits: { disabled: true } });
  });
  afterEach(async () => {
    await fake.close();
    await bot.close();
  });

  test('chat.postMessage: invalid_blocks with the pointer; nothing is posted', async () => {
    const skip = { type: 'button', text: plain('Skip'), action_id: 'skip', value: 'a' };
    const refused = await slackError(
      botClient(fake).chat.postMessage({
        channel: 'C0OPS000001',
        text: 'two gates',
        blocks: [{ type: 'actions', elements: [skip, { ...skip, value: 'b' }] }] as never,
      }),
    );
    expect(refused.error).toBe('invalid_blocks');
    expect(refused.response_metadata?.messages?.[0]).toContain('/blocks/0/elements/1/action_id');
    expect(fake.state.messagesIn('C0OPS000001')).toEqual([]);
  });

  test('views.open: invalid_arguments for an unknown property in the view', async () => {
    const triggerId = (await fake.deliver.slashCommand({ user: 'alice', channel: 'C0OPS000001', text: 'x' })).triggerId;
    const refused = await slackError(
      botClient(fake).views.open({
        trigger_id: triggerId ?? '',
        view: { ...modal([input(select({ initial_option: option('v9') }))]) } as never,
      }),
    );
    expect(refused.error).toBe('invalid_arguments');
    expect(refused.response_metadata?.messages?.join('\n')).toContain('/view/blocks/0/element/initial_option');
  });
});
