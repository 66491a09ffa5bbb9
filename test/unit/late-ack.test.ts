import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { createLogger } from '@recio/bot/observability/logger';
import { createMetrics } from '@recio/bot/observability/metrics';
import { tolerateLateAck } from '@recio/bot/slack/late-ack';

/**
 * The ack of Bolt's HTTP receiver writes the response; after the receiver's own no-ack answer
 * (3 s) that write throws Node's ERR_HTTP_HEADERS_SENT. These tests make that error for real: a
 * request answered, then answered again.
 */
async function answeredResponse(): Promise<{ res: ServerResponse; close: () => Promise<void> }> {
  let captured: ServerResponse | undefined;
  const server = createServer((_req, res) => {
    captured = res;
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  return {
    res: captured!,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function collector() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

describe('tolerateLateAck', () => {
  test('a late ack is logged with a reference and counted, its answer handed to tell; listener goes on', async () => {
    const { res, close } = await answeredResponse();
    const { logger, lines } = collector();
    const metrics = createMetrics();
    const told: Array<[unknown, string]> = [];
    const args = tolerateLateAck(
      {
        ack: async (response?: { text: string }) => {
          res.writeHead(200).end(JSON.stringify(response ?? {}));
        },
        body: { user: 'U1' },
      },
      { kind: 'view', logger, metrics, tell: async (response, ref) => void told.push([response, ref]) },
    );
    await expect(args.ack({ text: 'That is not the tag' })).resolves.toBeUndefined();
    await close();
    expect(args.body).toEqual({ user: 'U1' });
    expect(told).toHaveLength(1);
    expect(told[0]![0]).toEqual({ text: 'That is not the tag' });
    expect(told[0]![1]).toMatch(/^[0-9a-f]{8}$/);
    expect(lines.find((l) => l.ref === told[0]![1])?.msg).toContain('after Slack stopped waiting');
    expect((await metrics.metricsText()).body).toMatch(/kind="view",outcome="late"} 1/);
  });

  test('a plain late ack tells nothing; a failure to tell is logged with the same reference', async () => {
    const { res, close } = await answeredResponse();
    const { logger, lines } = collector();
    let tellCalls = 0;
    const tell = async () => {
      tellCalls += 1;
      throw new Error('chat.postEphemeral: channel_not_found');
    };
    const args = tolerateLateAck(
      { ack: async (response?: string) => void res.writeHead(200).end(response ?? '') },
      { kind: 'command', logger, tell },
    );
    await args.ack();
    expect(tellCalls).toBe(0);
    await args.ack('parse error');
    await close();
    expect(tellCalls).toBe(1);
    // Two late acks logged, then the failed tell under the second one's reference.
    const refs = lines.filter((l) => l.ref !== undefined).map((l) => [l.ref, String(l.msg).slice(0, 13)]);
    expect(refs).toHaveLength(3);
    expect(refs[2]).toEqual([refs[1]![0], 'could not tel']);
    expect(refs[0]![0]).not.toBe(refs[1]![0]);
  });

  test('any other ack failure is not a late ack: it is thrown to the listener', async () => {
    const { logger } = collector();
    const args = tolerateLateAck(
      {
        ack: async () => {
          throw Object.assign(new Error('An ack was sent twice'), { code: 'slack_bolt_receiver_ack_multiple_error' });
        },
      },
      { kind: 'action', logger },
    );
    await expect(args.ack()).rejects.toThrow('An ack was sent twice');
  });
});
