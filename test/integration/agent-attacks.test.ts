import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SshTransport } from '@recio/bot/hosts/ssh-transport';
import { opensshArgs, startTestHost, type TestHost } from '../support/test-host.js';
import { transportTo } from './agent-harness.js';

let host: TestHost;
let transport: SshTransport;

// The agent reads a program's output in pipe-sized pieces (64 KiB). This log line is written so
// its secret's name ends exactly at byte 65536: `…DB_PASS` | `WORD=…`. Each half alone matches no
// rule; only redaction on whole lines catches it.
const PIPE_CHUNK = 64 * 1024;
const SECRET = 'hunter2-split-across-chunks';
const FIRST = 'boot ok\n';
const BEFORE = `${'x'.repeat(PIPE_CHUNK - FIRST.length - 'DB_PASS'.length)}DB_PASS`;
const LOG = `${FIRST}${BEFORE}WORD=${SECRET}\nafter the secret\n`;

/** The agent over OpenSSH as anyone holding the key could drive it: raw bytes on stdin. */
const opensshWithStdin = (command: string | undefined, input: Buffer | string) =>
  execa('ssh', [...opensshArgs(host), ...(command === undefined ? [] : [command])], { reject: false, input });

beforeAll(async () => {
  host = await startTestHost();
  // supervisorctl as the agent config names it; `tail` prints the log above in one write, the
  // real supervisorctl answers everything else.
  const fake = join(host.dir, 'supervisorctl-tail.mjs');
  const real = JSON.stringify(host.supervisor.supervisorctl);
  await writeFile(
    fake,
    [
      "import { writeSync } from 'node:fs';",
      "import { execFileSync } from 'node:child_process';",
      'const args = process.argv.slice(2);',
      "if (args[0] === 'tail') { " +
        `if (args.at(-1) === 'stdout') writeSync(1, ${JSON.stringify(LOG)}); process.exit(0); }`,
      `const [file, ...rest] = ${real};`,
      "process.stdout.write(execFileSync(file, [...rest, ...args], { encoding: 'utf8' }));",
    ].join('\n'),
    { mode: 0o644 },
  );
  const { parse, stringify } = await import('yaml');
  const { readFile } = await import('node:fs/promises');
  const config = parse(await readFile(host.agentConfigPath, 'utf8')) as Record<string, unknown>;
  await writeFile(host.agentConfigPath, stringify({ ...config, supervisorctl: [process.execPath, fake] }));
  transport = transportTo(host);
});

afterAll(async () => {
  await transport?.close();
  await host?.stop();
});

describe('no secret leaves the host (issue 12, item 4)', () => {
  test('a secret split across two 64 KiB pipe chunks of service.tail is not streamed to the bot', async () => {
    const result = await transport.run({ action: 'service.tail', params: { service: 'trade_manager', lines: 3 } });
    expect(result.ok).toBe(true);
    // What streamed (the chunks, as /recio tail would relay them) and what came back as data.
    expect(result.output).toContain('DB_PASSWORD=[redacted]');
    expect(result.output).toContain('after the secret');
    expect(result.output).not.toContain(SECRET);
    expect(JSON.stringify(result.data)).not.toContain(SECRET);
  });
});

describe('size caps (issue 12, item 9)', () => {
  const auditSize = async () => (await stat(host.agentAuditLog)).size;

  test(
    '20 requests of 5 MB in one session are each refused unread; ' + 'the host audit log grows by lines, not MB',
    async () => {
      const before = await auditSize();
      const big = (n: number) => {
        const request = {
          v: 1,
          id: `big-${n}`,
          action: 'service.status',
          params: { service: 'x'.repeat(5 * 1024 * 1024) },
        };
        return `${JSON.stringify(request)}\n`;
      };
      const lines = Array.from({ length: 20 }, (_, n) => big(n)).join('');
      const small = `${JSON.stringify({ v: 1, id: 'small', action: 'service.status', params: {} })}\n`;
      // Under the cap but with a long param: answered, and logged with its params cut.
      const mediumRequest = { v: 1, id: 'medium', action: 'service.status', params: { service: 'z'.repeat(60_000) } };
      const medium = `${JSON.stringify(mediumRequest)}\n`;
      const session = JSON.stringify({ v: 1, id: 'session', action: 'agent.session', params: {} });
      const run = await opensshWithStdin(session, lines + medium + small);
      const replies = run.stdout
        .split('\n')
        .filter((l) => l !== '')
        .map(
          (l) =>
            JSON.parse(l) as { type: string; id?: string; ok?: boolean; error?: { code: string; message: string } },
        );
      const refused = replies.filter((r) => r.type === 'result' && r.id?.startsWith('big-'));
      expect(refused).toHaveLength(20);
      for (const reply of refused) {
        expect(reply.ok).toBe(false);
        expect(reply.error?.code).toBe('invalid_request');
        expect(reply.error?.message).toMatch(/request line of \d+ bytes refused unread: the limit is 64 KiB/);
      }
      // The session still serves a request of ordinary size after them.
      expect(replies.find((r) => r.id === 'small' && r.type === 'result')).toMatchObject({ type: 'result', ok: true });
      const grown = (await auditSize()) - before;
      expect(grown).toBeLessThan(21 * 4096);
      const audit = (await (await import('node:fs/promises')).readFile(host.agentAuditLog, 'utf8')).split('\n');
      expect(audit.filter((l) => l.includes('"action":"oversize"')).length).toBeGreaterThanOrEqual(20);
      const mediumLine = audit.find((l) => l.includes('"id":"medium"')) ?? '';
      expect(mediumLine).toContain('"cut":true');
      expect(mediumLine.length).toBeLessThan(3 * 2048 + 1024);
    },
  );

  test('one oversized request on stdin (no command) is refused unread, answered by its id', async () => {
    const request = { v: 1, id: 'one-big', action: 'service.status', params: { pad: 'y'.repeat(200_000) } };
    const line = `${JSON.stringify(request)}\n`;
    const run = await opensshWithStdin(undefined, line);
    expect(run.exitCode).toBe(2);
    expect(JSON.parse(run.stdout.trim())).toMatchObject({
      type: 'result',
      id: 'one-big',
      ok: false,
      error: { code: 'invalid_request' },
    });
  });
});
