import { describe, expect, test } from 'vitest';
import { launcherScript } from '@recio/agent/install/launcher';

describe('the launcher sshd runs', () => {
  test('pins the node that installed it and runs the agent of an npm install (a path with @recio in it)', () => {
    const entry = '/usr/local/lib/node_modules/@recio/agent/dist/main.js';
    expect(launcherScript('/usr/bin/node', entry).split('\n')).toEqual([
      '#!/bin/sh',
      expect.stringContaining('recio-agent launcher'),
      `exec /usr/bin/node ${entry} "$@"`,
      '',
    ]);
  });

  test('refuses a path the shell would read as more than a path', () => {
    for (const entry of [
      'dist/main.js',
      '/opt/a b/main.js',
      '/opt/$HOME/main.js',
      '/opt/a;id',
      '/opt/`id`',
      "/opt/a'b",
    ])
      expect(() => launcherScript('/usr/bin/node', entry), entry).toThrow(/must be absolute and plain/);
  });
});
