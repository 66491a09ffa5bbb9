import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ActionId, BlockId, CallbackId } from '@recio/bot/slack/ids';
import { OPS, PEOPLE, startBot, type BotHarness } from '../support/bot-harness.js';
import { auditRows, readable, runs, until } from './helpers.js';

/**
 * The service picker (`/recio restart` with no service, App Home's "Restart a service…") on a
 * fleet with two app hosts: the command needs a host, so the modal asks for one.
 */
let bot: BotHarness;

beforeAll(async () => {
  bot = await startBot({
    fleet: [
      { name: 'app1', roles: ['db', 'app', 'web'] },
      { name: 'app2', roles: ['app'] },
    ],
  });
});
afterAll(async () => {
  await bot?.stop();
});

const pid = async (host: 'app1' | 'app2', program: string) =>
  (await bot.testHosts[host]!.supervisor.program(program)).pid;

describe('the service picker with several app hosts', () => {
  test('asks for the host too, and restarts the service on the host chosen, not on the other', async () => {
    const [onApp1, onApp2] = [await pid('app1', 'trade_manager'), await pid('app2', 'trade_manager')];
    await bot.slack.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'restart' });
    const modal = await until(() => {
      const open = bot.slack.state.openModal(PEOPLE.alice);
      expect(open?.view.callback_id).toBe(CallbackId.serviceModal);
      return open!.view;
    });
    const hostBlock = (
      modal.blocks as Array<{ block_id?: string; element?: { action_id: string; options: Array<{ value: string }> } }>
    ).find((b) => b.block_id === BlockId.host);
    expect(hostBlock?.element?.action_id).toBe(ActionId.hostSelect);
    expect(hostBlock?.element?.options.map((o) => o.value)).toEqual(['app1', 'app2']);

    await bot.slack.deliver.submitView({
      user: 'alice',
      values: { [BlockId.service]: 'trade_manager', [BlockId.host]: 'app2' },
    });
    await until(async () =>
      expect((await runs(bot)).find((r) => r.scenario === 'adhoc:service.restart')?.state).toBe('succeeded'),
    );
    expect(await pid('app2', 'trade_manager')).not.toBe(onApp2);
    expect(await pid('app1', 'trade_manager')).toBe(onApp1);
  });

  test(
    'a host no longer in the fleet (a modal opened before the fleet changed) is refused with why, audited, ' +
      'and nothing runs',
    async () => {
      const runsBefore = (await runs(bot)).length;
      const onApp1 = await pid('app1', 'trade_executor');
      await bot.slack.deliver.slashCommand({ user: 'alice', channel: OPS, text: 'restart' });
      const modal = await until(() => {
        const open = bot.slack.state.openModal(PEOPLE.alice);
        expect(open?.view.callback_id).toBe(CallbackId.serviceModal);
        return open!.view;
      });
      // The modal as an earlier fleet (with app9) would have drawn it: Slack submits what it shows.
      const hostSelect = (
        modal.blocks as Array<{
          block_id?: string;
          element?: { options: Array<{ text: { type: string; text: string }; value: string }> };
        }>
      ).find((b) => b.block_id === BlockId.host)!;
      hostSelect.element!.options.push({ text: { type: 'plain_text', text: 'app9' }, value: 'app9' });
      await bot.slack.deliver.submitView({
        user: 'alice',
        values: { [BlockId.service]: 'trade_executor', [BlockId.host]: 'app9' },
      });
      await until(() =>
        expect(bot.slack.state.ephemeralsFor(PEOPLE.alice, OPS).map(readable).join('\n')).toMatch(/app9/),
      );
      await until(async () =>
        expect(
          (await auditRows(bot, 'request.refused')).some((r) => String(r.detail.text ?? '').includes('on app9')),
        ).toBe(true),
      );
      expect(await runs(bot)).toHaveLength(runsBefore);
      expect(await pid('app1', 'trade_executor')).toBe(onApp1);
    },
  );
});
