import { describe, expect, test } from 'vitest';
import { BlockKit, validateBlocks, validateView } from '@recio/slack-emulator/index';

/**
 * Each Block Kit limit: exactly at the limit is accepted, one over is rejected with a Slack-style
 * "[ERROR] … [json-pointer:…]" line naming the field.
 */
const text = (n: number, ch = 'x') => ch.repeat(n);
const plain = (t: string) => ({ type: 'plain_text', text: t });
const mrkdwn = (t: string) => ({ type: 'mrkdwn', text: t });
const section = (t: string) => ({ type: 'section', text: mrkdwn(t) });
const button = (over: Record<string, unknown> = {}) => ({
  type: 'button',
  text: plain('Go'),
  action_id: 'go',
  ...over,
});
const actions = (...elements: unknown[]) => ({ type: 'actions', elements });

function errorsOf(blocks: unknown, surface: 'message' | 'modal' | 'home' = 'message') {
  return validateBlocks(blocks, { surface });
}

function expectOneError(blocks: unknown, pointer: string, surface: 'message' | 'modal' | 'home' = 'message') {
  const errors = errorsOf(blocks, surface);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/^\[ERROR\] .+ \[json-pointer:.+\]$/);
  expect(errors[0]).toContain(`[json-pointer:${pointer}]`);
}

describe('block count', () => {
  test('50 blocks in a message are accepted, 51 are not', () => {
    expect(errorsOf(Array.from({ length: 50 }, () => ({ type: 'divider' })))).toEqual([]);
    expectOneError(
      Array.from({ length: 51 }, () => ({ type: 'divider' })),
      '/blocks',
    );
  });

  test('modals and Home tabs take 100 blocks, not 101', () => {
    for (const surface of ['modal', 'home'] as const) {
      expect(
        errorsOf(
          Array.from({ length: 100 }, () => ({ type: 'divider' })),
          surface,
        ),
      ).toEqual([]);
      expectOneError(
        Array.from({ length: 101 }, () => ({ type: 'divider' })),
        '/blocks',
        surface,
      );
    }
  });

  test('blocks must be an array', () => {
    expectOneError({ type: 'divider' }, '/blocks');
  });
});

describe('section', () => {
  test(`text up to ${BlockKit.sectionTextMax} characters`, () => {
    expect(errorsOf([section(text(3000))])).toEqual([]);
    expectOneError([section(text(3001))], '/blocks/0/text/text');
  });

  test('characters are counted as Slack counts them (an emoji is one)', () => {
    expect(errorsOf([section(text(3000, '🔥'))])).toEqual([]);
  });

  test('empty text is rejected', () => {
    expectOneError([section('')], '/blocks/0/text/text');
  });

  test('needs text or fields', () => {
    expectOneError([{ type: 'section' }], '/blocks/0');
  });

  test('at most 10 fields, each at most 2000 characters', () => {
    const fields = (n: number, len = 5) => Array.from({ length: n }, () => mrkdwn(text(len)));
    expect(errorsOf([{ type: 'section', fields: fields(10, 2000) }])).toEqual([]);
    expectOneError([{ type: 'section', fields: fields(11) }], '/blocks/0/fields');
    expectOneError([{ type: 'section', fields: [mrkdwn('a'), mrkdwn(text(2001))] }], '/blocks/0/fields/1/text');
  });

  test('accessory must be an element a section accepts', () => {
    expect(errorsOf([{ ...section('a'), accessory: button() }])).toEqual([]);
    expectOneError(
      [{ ...section('a'), accessory: { type: 'plain_text_input', action_id: 'x' } }],
      '/blocks/0/accessory',
    );
  });
});

describe('header', () => {
  test('text up to 150 characters', () => {
    expect(errorsOf([{ type: 'header', text: plain(text(150)) }])).toEqual([]);
    expectOneError([{ type: 'header', text: plain(text(151)) }], '/blocks/0/text/text');
  });

  test('plain_text only', () => {
    expectOneError([{ type: 'header', text: mrkdwn('*bold*') }], '/blocks/0/text/type');
  });
});

describe('buttons', () => {
  test('text up to 75 characters', () => {
    expect(errorsOf([actions(button({ text: plain(text(75)) }))])).toEqual([]);
    expectOneError([actions(button({ text: plain(text(76)) }))], '/blocks/0/elements/0/text/text');
  });

  test('value up to 2000 characters', () => {
    expect(errorsOf([actions(button({ value: text(2000) }))])).toEqual([]);
    expectOneError([actions(button({ value: text(2001) }))], '/blocks/0/elements/0/value');
  });

  test('style is primary or danger', () => {
    expect(errorsOf([actions(button({ style: 'danger' }))])).toEqual([]);
    expectOneError([actions(button({ style: 'red' }))], '/blocks/0/elements/0/style');
  });

  test('the confirm dialog has its own limits', () => {
    const confirm = { title: plain('Sure?'), text: plain('Really'), confirm: plain('Yes'), deny: plain('No') };
    expect(errorsOf([actions(button({ confirm }))])).toEqual([]);
    expectOneError(
      [actions(button({ confirm: { ...confirm, confirm: plain(text(31)) } }))],
      '/blocks/0/elements/0/confirm/confirm/text',
    );
  });
});

describe('ids', () => {
  test('action_id up to 255 characters', () => {
    expect(errorsOf([actions(button({ action_id: text(255) }))])).toEqual([]);
    expectOneError([actions(button({ action_id: text(256) }))], '/blocks/0/elements/0/action_id');
  });

  test('block_id up to 255 characters', () => {
    expect(errorsOf([{ type: 'divider', block_id: text(255) }])).toEqual([]);
    expectOneError([{ type: 'divider', block_id: text(256) }], '/blocks/0/block_id');
  });

  test('two blocks may not share a block_id', () => {
    expectOneError(
      [
        { type: 'divider', block_id: 'a' },
        { type: 'divider', block_id: 'a' },
      ],
      '/blocks/1/block_id',
    );
  });

  test('two elements of one block may not share an action_id', () => {
    expectOneError(
      [actions(button({ action_id: 'same' }), button({ action_id: 'same' }))],
      '/blocks/0/elements/1/action_id',
    );
  });

  test('the same action_id in different blocks is fine (state.values is keyed by block_id first)', () => {
    expect(errorsOf([actions(button({ action_id: 'same' })), actions(button({ action_id: 'same' }))])).toEqual([]);
  });
});

describe('element counts', () => {
  test('actions: at most 25 elements, at least 1', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => button({ action_id: `b${i}` }));
    expect(errorsOf([actions(...many(25))])).toEqual([]);
    expectOneError([actions(...many(26))], '/blocks/0/elements');
    expectOneError([actions()], '/blocks/0/elements');
  });

  test('context: at most 10 elements', () => {
    const many = (n: number) => Array.from({ length: n }, () => mrkdwn('x'));
    expect(errorsOf([{ type: 'context', elements: many(10) }])).toEqual([]);
    expectOneError([{ type: 'context', elements: many(11) }], '/blocks/0/elements');
  });

  test('select: at most 100 options, option text 75, value 150', () => {
    const opt = (i: number, t = `o${i}`, v = `v${i}`) => ({ text: plain(t), value: v });
    const select = (options: unknown[]) => actions({ type: 'static_select', action_id: 's', options });
    expect(errorsOf([select(Array.from({ length: 100 }, (_, i) => opt(i)))])).toEqual([]);
    expectOneError([select(Array.from({ length: 101 }, (_, i) => opt(i)))], '/blocks/0/elements/0/options');
    expectOneError([select([opt(0, text(76))])], '/blocks/0/elements/0/options/0/text/text');
    expectOneError([select([opt(0, 'a', text(151))])], '/blocks/0/elements/0/options/0/value');
  });

  test('overflow: 1 to 5 options', () => {
    const overflow = (n: number) =>
      actions({
        type: 'overflow',
        action_id: 'o',
        options: Array.from({ length: n }, (_, i) => ({ text: plain(`${i}`), value: `${i}` })),
      });
    expect(errorsOf([overflow(5)])).toEqual([]);
    expectOneError([overflow(6)], '/blocks/0/elements/0/options');
  });
});

describe('types and text objects', () => {
  test('unknown block types are rejected', () => {
    expectOneError([{ type: 'fancy_block' }], '/blocks/0');
  });

  test('unknown element types are rejected', () => {
    expectOneError([actions({ type: 'slider', action_id: 'x' })], '/blocks/0/elements/0');
  });

  test('a text object needs type and text', () => {
    expectOneError([{ type: 'section', text: { text: 'no type' } }], '/blocks/0/text');
    expectOneError([{ type: 'section', text: { type: 'mrkdwn' } }], '/blocks/0/text');
    expectOneError([{ type: 'section', text: { type: 'html', text: '<b>' } }], '/blocks/0/text/type');
  });

  test('blocks for the wrong surface are rejected (markdown is for messages)', () => {
    expect(errorsOf([{ type: 'markdown', text: '**hi**' }])).toEqual([]);
    expectOneError([{ type: 'markdown', text: '**hi**' }], '/blocks/0', 'modal');
  });

  test('input blocks: label 2000, an input element', () => {
    const input = (over: Record<string, unknown>) => ({
      type: 'input',
      label: plain('Target'),
      element: { type: 'plain_text_input', action_id: 't' },
      ...over,
    });
    expect(errorsOf([input({})], 'modal')).toEqual([]);
    expectOneError([input({ label: plain(text(2001)) })], '/blocks/0/label/text', 'modal');
    expectOneError([input({ element: button() })], '/blocks/0/element', 'modal');
  });

  test('every problem is reported, not only the first', () => {
    expect(errorsOf([section(text(3001)), { type: 'header', text: plain(text(151)) }])).toHaveLength(2);
  });
});

describe('views', () => {
  const modal = (over: Record<string, unknown> = {}) => ({
    type: 'modal',
    title: plain('Rollback'),
    blocks: [],
    ...over,
  });

  test('a modal title is at most 24 characters', () => {
    expect(validateView(modal({ title: plain(text(24)) }))).toEqual([]);
    const errors = validateView(modal({ title: plain(text(25)) }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('[json-pointer:/view/title/text]');
  });

  test('submit and close are at most 24 characters', () => {
    expect(validateView(modal({ submit: plain(text(25)) }))[0]).toContain('/view/submit/text');
    expect(validateView(modal({ close: plain(text(25)) }))[0]).toContain('/view/close/text');
  });

  test('a modal with input blocks needs a submit button', () => {
    const input = { type: 'input', label: plain('Name'), element: { type: 'plain_text_input', action_id: 'n' } };
    expect(validateView(modal({ blocks: [input] }))).toHaveLength(1);
    expect(validateView(modal({ blocks: [input], submit: plain('Go') }))).toEqual([]);
  });

  test('private_metadata is at most 3000 characters', () => {
    expect(validateView(modal({ private_metadata: text(3000) }))).toEqual([]);
    expect(validateView(modal({ private_metadata: text(3001) }))[0]).toContain('/view/private_metadata');
  });

  test('view blocks are validated under /view/blocks with the 100-block limit', () => {
    const blocks = Array.from({ length: 101 }, () => ({ type: 'divider' }));
    expect(validateView(modal({ blocks }))[0]).toContain('[json-pointer:/view/blocks]');
    expect(validateView({ type: 'home', blocks: blocks.slice(1) })).toEqual([]);
  });

  test('the view type must be the one the method expects', () => {
    expect(validateView({ type: 'home', blocks: [] }, 'modal')[0]).toContain('/view/type');
  });
});
