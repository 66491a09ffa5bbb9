import { rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Hosts } from '@recio/bot/hosts/fleet-hosts';
import { SshTransport } from '@recio/bot/hosts/ssh-transport';
import { readFleet } from '@recio/bot/operations/fleet-overview';
import { generateKeyPair } from '../support/sshd.js';
import { ownedTempDir } from '../support/leftovers.js';

/**
 * A host that accepts the connection and then says nothing (a hung sshd, a black-holed path) is
 * the worst case for the Home: its reading must end at the Home's own deadline — well before the
 * transport's minute-long timeouts — as a reading that says why, and nothing more is asked of it.
 */
let silent: Server;
let dir: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  dir = await ownedTempDir('silent');
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((done) => (silent ? silent.close(() => done()) : done()));
  await rm(dir, { recursive: true, force: true });
});

test(
  'a host that never answers is read as not answering within the deadline, ' + 'and its database is not asked',
  async () => {
    const key = await generateKeyPair(join(dir, 'key'));
    const port = (silent.address() as { port: number }).port;
    const transport = new SshTransport({
      host: {
        name: 'db9',
        address: '127.0.0.1',
        port,
        user: 'recio',
        hostKey: `SHA256:${'A'.repeat(43)}`,
        roles: ['db'],
      },
      privateKey: key.privateKey,
      connectTimeoutMs: 120_000,
      commandTimeoutMs: 120_000,
    });
    const hosts = new Hosts([{ name: 'db9', roles: ['db', 'app'], transport }]);
    try {
      const overview = await readFleet(hosts, { deadlineMs: 1_500, traceId: 'silent' });
      expect(overview.hosts).toHaveLength(1);
      expect(overview.hosts[0]).toMatchObject({
        name: 'db9',
        programs: { ok: false, why: expect.stringMatching(/deadline/) },
      });
      expect(overview.hosts[0]!.db).toBeUndefined();
    } finally {
      await hosts.close();
    }
  },
);
