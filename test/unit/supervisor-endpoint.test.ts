import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AgentConfigSchema } from '@recio/agent/agent-config';
import { supervisordEndpoint } from '@recio/agent/supervisor-endpoint';
import { ownedTempDir } from '../support/leftovers.js';

let dir: string;
beforeAll(async () => {
  dir = await ownedTempDir('endpoint');
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function endpointFor(conf: string, flag: (path: string) => string[] = (p) => ['-c', p]) {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.conf`);
  await writeFile(path, conf);
  return supervisordEndpoint(AgentConfigSchema.parse({ supervisorctl: ['supervisorctl', ...flag(path)] }));
}

describe('where the agent finds supervisord’s socket', () => {
  test('[supervisorctl] serverurl and credentials, %(here)s, comments, either -c spelling', async () => {
    const conf = [
      '; the Debian layout',
      '[unix_http_server]',
      'file = %(here)s/supervisor.sock   ; (the path to the socket file)',
      'password = {SHA}0a1b2c',
      '[supervisorctl]',
      'serverurl = unix://%(here)s/supervisor.sock',
      'username: recio',
      'password: plain-secret',
    ].join('\n');
    const expected = { socket: join(dir, 'supervisor.sock'), username: 'recio', password: 'plain-secret' };
    expect(await endpointFor(conf)).toEqual(expected);
    expect(await endpointFor(conf, (p) => [`--configuration=${p}`])).toEqual(expected);
  });

  test('no [supervisorctl]: the [unix_http_server] file, without a {SHA} password that cannot log in', async () => {
    const conf = '[unix_http_server]\nfile=/run/sv.sock\nusername=u\npassword={SHA}abc\n';
    expect(await endpointFor(conf)).toEqual({ socket: '/run/sv.sock', username: 'u' });
  });

  test('an http:// serverurl, a config without a socket or no config at all: the supervisorctl argv', async () => {
    expect(
      await endpointFor('[supervisorctl]\nserverurl=http://127.0.0.1:9001\n[unix_http_server]\nfile=/x.sock\n'),
    ).toBe(undefined);
    expect(await endpointFor('[supervisord]\nnodaemon=true\n')).toBeUndefined();
    expect(
      supervisordEndpoint(
        AgentConfigSchema.parse({ supervisorctl: ['supervisorctl', '-c', join(dir, 'absent.conf')] }),
      ),
    ).toBeUndefined();
  });

  test('the agent config wins: its socket and credentials, or via: supervisorctl', async () => {
    const explicit = AgentConfigSchema.parse({ supervisord: { socket: '/s.sock', username: 'a', password: 'bbbb' } });
    expect(supervisordEndpoint(explicit)).toEqual({ socket: '/s.sock', username: 'a', password: 'bbbb' });
    const argv = AgentConfigSchema.parse({ supervisord: { via: 'supervisorctl', socket: '/s.sock' } });
    expect(supervisordEndpoint(argv)).toBeUndefined();
  });
});
