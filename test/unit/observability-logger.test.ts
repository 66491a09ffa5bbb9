import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { childFor, createLogger, type LogLevel } from '@recio/bot/observability/logger';

/** Collects the JSON lines a logger writes, parsed. */
function collector(level: LogLevel = 'trace', knownSecrets: string[] = []) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
      done();
    },
  });
  const logger = createLogger({ level, destination, knownSecrets });
  return { logger, lines, last: () => JSON.parse(lines.at(-1) ?? 'null') as Record<string, unknown> };
}

// Built at run time so no scanner mistakes this file for a leak.
const SLACK_BOT = ['xoxb', '2222222222', '3333333333', 'AbCdEfGhIjKlMnOp'].join('-');
const SLACK_APP = ['xapp', '1', 'A0123ABC', '4567890', 'deadbeefcafe'].join('-');
const PG_PASSWORD = 'S3cr3t-pw-77';
const PG_URL = `postgres://rec:${PG_PASSWORD}@db.internal:5432/rec`;
const PEM_BODY = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2g';
const PEM = `-----BEGIN OPENSSH PRIVATE KEY-----\n${PEM_BODY}\n-----END OPENSSH PRIVATE KEY-----`;

const SECRETS: Array<[kind: string, text: string, secret: string]> = [
  ['slack bot token', SLACK_BOT, SLACK_BOT],
  ['slack app token', SLACK_APP, SLACK_APP],
  ['connection string', PG_URL, PG_PASSWORD],
  ['PEM private key', PEM, PEM_BODY],
];

describe('createLogger redaction', () => {
  test.each(SECRETS)('%s inside the message is scrubbed', (_kind, text, secret) => {
    const { logger, lines, last } = collector();
    logger.info(`connecting with ${text} now`);
    expect(lines.join('\n')).not.toContain(secret);
    expect(last().msg).toContain('[redacted');
    expect(last().msg).toMatch(/^connecting with .* now$/);
  });

  test.each(SECRETS)('%s inside a field value, nested, is scrubbed', (_kind, text, secret) => {
    const { logger, lines, last } = collector();
    logger.info({ step: { output: [`line 1`, `config: ${text}`] }, host: 'db1' }, 'step output');
    expect(lines.join('\n')).not.toContain(secret);
    expect(last()).toMatchObject({ host: 'db1', msg: 'step output' });
    expect(JSON.stringify(last().step)).toContain('[redacted');
  });

  test.each(SECRETS)('%s inside an error message and stack is scrubbed', (_kind, text, secret) => {
    const { logger, lines, last } = collector();
    const error = new Error(`cannot connect: ${text}`);
    logger.error(error);
    logger.error({ err: error }, 'with a message');
    logger.error({ err: error });
    logger.warn({ cause: new Error('outer', { cause: error }) }, 'wrapped');
    expect(lines).toHaveLength(4);
    expect(lines.join('\n')).not.toContain(secret);
    const plain = JSON.parse(lines[0]!) as { msg: string; err: { type: string; message: string; stack: string } };
    expect(plain.err.type).toBe('Error');
    expect(plain.err.stack).toContain('observability-logger.test.ts');
    expect(plain.err.stack).toContain('[redacted');
    expect(plain.msg).toMatch(/^cannot connect: .*\[redacted/);
    expect(last()).toMatchObject({ msg: 'wrapped' });
  });

  test('known secret-named fields are censored whatever their value looks like, at any depth', () => {
    const { logger, lines, last } = collector();
    logger.info(
      {
        password: 'hunter2',
        signingSecret: 'abcd1234abcd1234',
        DATABASE_URL: 'postgres://localhost/rec',
        req: { headers: { authorization: 'Bearer abc.def.ghi', accept: 'json' } },
        deep: { a: { b: { c: { PGPASSWORD: 'deep-pw-1' } } } },
        tokenCount: 3,
      },
      'fields',
    );
    const line = lines.join('\n');
    for (const secret of ['hunter2', 'abcd1234abcd1234', 'Bearer abc.def.ghi', 'deep-pw-1'])
      expect(line).not.toContain(secret);
    expect(last()).toMatchObject({
      password: '[redacted]',
      signingSecret: '[redacted]',
      DATABASE_URL: '[redacted]',
      req: { headers: { authorization: '[redacted]', accept: 'json' } },
      deep: { a: { b: { c: { PGPASSWORD: '[redacted]' } } } },
    });
  });

  test('secret values known at start are scrubbed verbatim, even without a recognisable shape', () => {
    const { logger, lines } = collector('info', ['plain-looking-value-42']);
    logger.info({ note: 'the value plain-looking-value-42 leaked' }, 'and plain-looking-value-42 again');
    const grandchild = childFor(childFor(logger, { requestId: 'r1' }), {
      requestId: 'r1',
      note: 'plain-looking-value-42',
    });
    grandchild.info('from a grandchild');
    expect(lines).toHaveLength(2);
    expect(lines.join('\n')).not.toContain('plain-looking-value-42');
    expect(lines.join('\n')).toContain('[redacted]');
  });

  test('childFor binds the request id (scrubbed) into every line of the child', () => {
    const { logger, lines } = collector();
    const child = childFor(logger, { requestId: 'req-123', host: 'db1', note: `via ${PG_URL}` });
    child.info('first');
    childFor(child, { requestId: 'req-123', stepId: 'step-2' }).warn({ action: 'db.restart' }, 'second');
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed[0]).toMatchObject({ requestId: 'req-123', host: 'db1', msg: 'first', level: 'info' });
    expect(parsed[1]).toMatchObject({ requestId: 'req-123', stepId: 'step-2', action: 'db.restart', level: 'warn' });
    expect(lines.join('\n')).not.toContain(PG_PASSWORD);
  });

  test('ordinary lines pass unchanged, and the level filters', () => {
    const { logger, lines, last } = collector('info');
    logger.debug('hidden');
    logger.info({ service: 'trade_executor', pid: 42, state: 'RUNNING' }, 'restarted trade_executor');
    expect(lines).toHaveLength(1);
    expect(last()).toMatchObject({
      service: 'trade_executor',
      pid: 42,
      state: 'RUNNING',
      msg: 'restarted trade_executor',
      level: 'info',
    });
    expect(typeof last().time).toBe('string');
  });
});
