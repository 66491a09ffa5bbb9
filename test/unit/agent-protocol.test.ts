import { describe, expect, test } from 'vitest';
import { parseAgentConfig, secretsOf } from '@recio/agent/agent-config';
import { parseRequestText } from '@recio/agent/wire';
import { AgentSession } from '@recio/bot/hosts/agent-session';
import { isRecioError } from '@recio/protocol/errors';

describe('agent config', () => {
  test("defaults are the plan's commands and REC.IO's programs", () => {
    const config = parseAgentConfig('', 'agent.yml');
    expect(config.supervisorctl).toEqual(['supervisorctl']);
    expect(config.db.restart).toEqual(['sudo', '-n', 'systemctl', 'restart', 'postgresql']);
    expect(config.services).toContain('trade_executor');
  });

  test('a bad config names the file and every bad path', () => {
    try {
      parseAgentConfig('services: ["ok", "bad name"]\nsupervisorctl: []\nshell: true\n', '/etc/recio/agent.yml');
      throw new Error('expected an error');
    } catch (error) {
      expect(isRecioError(error, 'config_invalid')).toBe(true);
      const problems = (error as { context: { problems: string[] } }).context.problems;
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^\/etc\/recio\/agent\.yml: services\[1\]: /),
          expect.stringMatching(/^\/etc\/recio\/agent\.yml: supervisorctl: /),
          expect.stringMatching(/^\/etc\/recio\/agent\.yml: \(root\): .*shell/),
        ]),
      );
    }
  });

  test('password-like env values count as secrets', () => {
    const config = parseAgentConfig(
      'db:\n  env: { PGPASSWORD: s3cr3t-pw, PGHOST: db.internal }\nsecrets: [tok-12345]\n',
      'a.yml',
    );
    expect(secretsOf(config).sort()).toEqual(['s3cr3t-pw', 'tok-12345']);
  });
});

describe('request parsing', () => {
  test('anything that is not one JSON request is refused by what it is', () => {
    expect(parseRequestText('id')).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(parseRequestText('{"v":1}')).toMatchObject({
      ok: false,
      error: { code: 'invalid_request', message: expect.stringContaining('id') },
    });
    expect(parseRequestText('{"v":1,"id":"a b","action":"x"}')).toMatchObject({ ok: false });
    expect(parseRequestText('{"v":1,"id":"a1","action":"service.status"}')).toMatchObject({
      v: 1,
      id: 'a1',
      params: {},
    });
  });
});

describe('AgentSession', () => {
  test('an agent speaking another protocol version is refused by name, pending requests fail', async () => {
    const session = new AgentSession('db1', () => undefined);
    const pending = session.request({ v: 1, id: 'r1', action: 'service.status', params: {} }, 1000);
    session.feedStdout('{"type":"hello","v":2,"agentVersion":"9.0.0","host":"db1","actions":[]}\n');
    await expect(session.hello).rejects.toThrow('the bot speaks v1, the agent (9.0.0) speaks v2');
    await expect(pending).rejects.toMatchObject({ code: 'protocol_mismatch' });
  });

  test('replies are matched by id across interleaved lines split at any byte', async () => {
    const session = new AgentSession('db1', () => undefined);
    const a = session.request({ v: 1, id: 'a', action: 'service.status', params: {} }, 1000);
    const b = session.request({ v: 1, id: 'b', action: 'service.status', params: {} }, 1000);
    const text = `${[
      '{"type":"hello","v":1,"agentVersion":"0.1.0","host":"db1","actions":[]}',
      '{"type":"chunk","id":"b","stream":"stdout","data":"B out"}',
      '{"type":"chunk","id":"a","stream":"stdout","data":"A out"}',
      '{"type":"result","id":"b","ok":true,"exitCode":0,"durationMs":3}',
      '{"type":"result","id":"a","ok":false,"exitCode":1,"durationMs":4,' +
        '"error":{"code":"action_failed","message":"x"}}',
    ].join('\n')}\n`;
    for (let i = 0; i < text.length; i += 7) session.feedStdout(text.slice(i, i + 7));
    await expect(a).resolves.toMatchObject({ ok: false, output: 'A out', error: { code: 'action_failed' } });
    await expect(b).resolves.toMatchObject({ ok: true, output: 'B out' });
  });

  test('a channel that closes without a hello reports what the far side said', async () => {
    const session = new AgentSession('db1', () => undefined);
    session.feedStderr('sh: 1: recio-agent: not found\n');
    session.close(Object.assign(new Error('agent session ended'), { code: 'host_unreachable' }));
    await expect(session.hello).rejects.toThrow('recio-agent: not found');
  });
});
