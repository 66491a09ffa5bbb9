import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startSlackFake, type SlackFake } from '../support/slack-fake.js';
import { botClient, slackError } from './clients.js';

/** Files upload v2 as @slack/web-api's filesUploadV2 performs it, and the steps' own checks. */
let fake: SlackFake;
beforeEach(async () => {
  fake = await startSlackFake({ rateLimits: { disabled: true } });
});
afterEach(async () => {
  await fake.close();
});

const OPS = 'C0OPS000001';

describe('filesUploadV2', () => {
  test('uploads the full text, shares it in a thread, and keeps the content', async () => {
    const client = botClient(fake);
    const parent = await client.chat.postMessage({ channel: OPS, text: 'restart trade_executor: output truncated' });
    const output = Array.from({ length: 4000 }, (_, i) => `line ${i + 1}`).join('\n');
    const result = await client.filesUploadV2({
      channel_id: OPS,
      thread_ts: parent.ts as string,
      content: output,
      filename: 'trade_executor.log',
      title: 'Full output',
      initial_comment: 'Full output attached',
    });
    expect(result.ok).toBe(true);
    const [file] = fake.state.files;
    expect(file?.content?.toString('utf8')).toBe(output);
    expect(file).toMatchObject({
      filename: 'trade_executor.log',
      title: 'Full output',
      channels: [OPS],
      threadTs: parent.ts,
      completed: true,
    });
    const [reply] = fake.state.repliesTo(OPS, parent.ts as string);
    expect(reply).toMatchObject({ text: 'Full output attached', files: [file?.id], via: 'file_share' });
    const download = await fetch(`${fake.url}/files/${file?.id}/trade_executor.log`, {
      headers: { authorization: `Bearer ${fake.tokens.bot}` },
    });
    expect(await download.text()).toBe(output);
  });

  test('Buffers travel as multipart and arrive intact', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 251, 252]);
    await botClient(fake).filesUploadV2({ channel_id: OPS, file: bytes, filename: 'dump.bin' });
    expect(fake.state.files[0]?.content).toEqual(bytes);
  });
});

describe('the steps', () => {
  test('getUploadURLExternal needs a filename and a non-zero length', async () => {
    const client = botClient(fake);
    expect(await slackError(client.files.getUploadURLExternal({ filename: 'x.txt', length: 0 }))).toMatchObject({
      error: 'missing_argument',
    });
    expect(await slackError(client.apiCall('files.getUploadURLExternal', { length: 3 }))).toMatchObject({
      error: 'invalid_arguments',
    });
  });

  test(
    'completing a file that was never uploaded → file_not_found; ' + 'sharing where the bot is not → not_in_channel',
    async () => {
      const client = botClient(fake);
      const { file_id, upload_url } = await client.files.getUploadURLExternal({ filename: 'x.txt', length: 3 });
      expect(
        await slackError(client.files.completeUploadExternal({ files: [{ id: file_id as string }] })),
      ).toMatchObject({ error: 'file_not_found' });
      expect((await fetch(upload_url as string, { method: 'POST', body: 'abc' })).status).toBe(200);
      expect(
        await slackError(
          client.files.completeUploadExternal({ files: [{ id: file_id as string }], channel_id: 'C0RANDOM001' }),
        ),
      ).toMatchObject({ error: 'not_in_channel' });
      await client.files.completeUploadExternal({ files: [{ id: file_id as string }] });
      expect(fake.state.file(file_id as string)).toMatchObject({ completed: true, channels: [] });
    },
  );

  test('file contents need the bot token', async () => {
    await botClient(fake).filesUploadV2({ content: 'secret', filename: 's.txt' });
    const res = await fetch(`${fake.url}/files/${fake.state.files[0]?.id}/s.txt`);
    expect(res.status).toBe(403);
  });
});
