import { WebClient } from '@slack/web-api';
import type { Config } from '../config.js';
import { fail, pass, type CheckResult } from './check.js';

/** The bot token works (auth.test) and the bot is a member of the ops channel (conversations.info). */
export async function checkSlack(config: Config): Promise<CheckResult[]> {
  const token = config.env.SLACK_BOT_TOKEN;
  if (token === undefined) return [pass('slack', 'no SLACK_BOT_TOKEN: local console mode (no workspace to check)')];
  const client = new WebClient(token, {
    ...(config.env.SLACK_API_URL ? { slackApiUrl: config.env.SLACK_API_URL } : {}),
    timeout: 10_000,
    retryConfig: { retries: 1, minTimeout: 500, maxTimeout: 2_000 },
  });
  const results: CheckResult[] = [];
  let botUser: string | undefined;
  try {
    const auth = await client.auth.test();
    botUser = auth.user_id;
    results.push(pass('slack token', `works: ${auth.user ?? '?'} in ${auth.team ?? '?'}`));
  } catch (error) {
    return [
      fail(
        'slack token',
        `auth.test failed: ${(error as { data?: { error?: string } }).data?.error ?? (error as Error).message}`,
        'reinstall the app and copy the bot token (xoxb-) into SLACK_BOT_TOKEN',
      ),
    ];
  }
  const channel = config.env.RECIO_OPS_CHANNEL;
  if (channel === undefined) {
    results.push(
      fail(
        'ops channel',
        'RECIO_OPS_CHANNEL is not set',
        'set it to the ops channel id (C…) where incident threads go',
      ),
    );
    return results;
  }
  try {
    const info = await client.conversations.info({ channel });
    results.push(
      info.channel?.is_member === true
        ? pass('ops channel', `the bot is in #${info.channel?.name ?? channel}`)
        : fail(
            'ops channel',
            `the bot (${botUser}) is not in #${info.channel?.name ?? channel}`,
            `invite it: /invite @recio in #${info.channel?.name ?? channel}`,
          ),
    );
  } catch (error) {
    results.push(
      fail(
        'ops channel',
        `conversations.info ${channel}: ` +
          ((error as { data?: { error?: string } }).data?.error ?? (error as Error).message),
        'check RECIO_OPS_CHANNEL and the channels:read scope',
      ),
    );
  }
  return results;
}
