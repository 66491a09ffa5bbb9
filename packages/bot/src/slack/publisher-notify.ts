import type { WebClient } from '@slack/web-api';
import type { OutboxMessage, Store } from '../store/index.js';

/**
 * When a run's (or an approval's) message cannot be delivered for good — the bot is not in the
 * channel, the channel is gone — the person who started the run must still learn it: a direct
 * message says what failed and how to fix it.
 */
export async function tellRequester(
  store: Store,
  client: WebClient,
  message: OutboxMessage,
  slackError: string,
): Promise<void> {
  const event = message.payload.event as { runId?: string; approvalId?: string } | undefined;
  const runId = event?.runId ?? (event?.approvalId ? (await store.approvals.get(event.approvalId))?.runId : undefined);
  const run = runId === undefined ? undefined : await store.runs.get(runId);
  if (run === undefined || !/^[UW][A-Z0-9]+$/.test(run.requestedBy) || message.channel === run.requestedBy) return;
  const fix = slackError === 'not_in_channel' ? ` Invite me there with \`/invite @recio\`.` : '';
  await client.chat.postMessage({
    channel: run.requestedBy,
    text:
      `I could not post about your run \`${run.id.slice(0, 8)}\` (${String(run.params.title ?? run.scenario)}) ` +
      `in <#${message.channel}>: \`${slackError}\`.${fix} The run itself goes on; \`recio\` on the bot host shows it.`,
  });
}
