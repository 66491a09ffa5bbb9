import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registerInstallCommands } from '@recio/bot/cli/install-commands';
import { resolveOnSecurePath } from '@recio/agent/install/sudo-rules';
import { createMetrics } from '@recio/bot/observability/metrics';
import { ownedTempDir } from '../support/leftovers.js';

const REPO = resolve(import.meta.dirname, '../..');
const UNIT = join(REPO, 'deploy/recio-bot.service');
const DOCS = join(REPO, 'docs/operate.md');

/** `[Section]` → key → values (a key may repeat). Enough of systemd's syntax for our own unit. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1]!, current);
      continue;
    }
    const [key, ...value] = line.split('=');
    current?.set(key!, [...(current.get(key!) ?? []), value.join('=')]);
  }
  return sections;
}

describe('deploy/recio-bot.service', () => {
  test('runs the bot unprivileged, restarts it on failure and hardens it', async () => {
    const service = parseUnit(await readFile(UNIT, 'utf8')).get('Service');
    const one = (key: string) => service?.get(key)?.at(-1);
    expect(one('User')).toBe('recio-bot');
    expect(one('Restart')).toBe('on-failure');
    expect(one('EnvironmentFile')).toBe('/etc/recio/recio.env');
    expect(one('ExecStart')).toMatch(/^\/usr\/bin\/node \/opt\/recio-bot\/packages\/bot\/dist\/main\.js$/);
    for (const [key, value] of [
      ['NoNewPrivileges', 'yes'],
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['KillSignal', 'SIGTERM'],
    ]) {
      expect(one(key!), key).toBe(value);
    }
    expect(one('ReadWritePaths')).toBe('/var/lib/recio-bot');
    // The embedded store's data dir must be inside the one writable place.
    expect(service?.get('Environment')).toContain('RECIO_DATA_DIR=/var/lib/recio-bot/data');
    // Above the bot's graceful-shutdown deadline (60 s) plus the embedded PostgreSQL's stop.
    expect(Number(one('TimeoutStopSec')?.replace(/s$/, ''))).toBeGreaterThan(60);
  });

  describe.skipIf(resolveOnSecurePath('systemd-analyze') === undefined)('systemd-analyze verify', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await ownedTempDir('unit');
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    // verify exits 0 on unknown keys and bad values and only warns: the warnings are the verdict.
    const verify = async (path: string) => {
      const result = await execa('systemd-analyze', ['verify', path], { reject: false });
      return {
        exitCode: result.exitCode,
        warnings: `${result.stderr}\n${result.stdout}`.split('\n').filter((l) => l.includes('recio-bot.service')),
      };
    };

    test('finds nothing to say about the unit', async () => {
      const path = join(dir, 'recio-bot.service');
      await copyFile(UNIT, path);
      expect(await verify(path)).toEqual({ exitCode: 0, warnings: [] });
    });

    test('does complain about a broken copy (so the check above can fail)', async () => {
      const path = join(dir, 'broken', 'recio-bot.service');
      await execa('mkdir', ['-p', join(dir, 'broken')]);
      const text = await readFile(UNIT, 'utf8');
      await writeFile(
        path,
        text.replace('Restart=on-failure', 'Restart=sometimes').replace('NoNewPrivileges=yes', 'NoNewPrivilege=yes'),
      );
      const { warnings } = await verify(path);
      expect(warnings.join('\n')).toMatch(/restart specifier/i);
      expect(warnings.join('\n')).toMatch(/NoNewPrivilege/);
    });
  });
});

describe('docs/operate.md', () => {
  test('names only options that `recio agent install`, `uninstall` and `verify` have', async () => {
    const program = new Command('recio');
    registerInstallCommands(program, { print: () => undefined, setExitCode: () => undefined });
    const agent = program.commands.find((c) => c.name() === 'agent');
    const known = new Set(agent?.commands.flatMap((c) => c.options.map((o) => o.long ?? '')));
    // commander and recio-agent-setup's parseArgs both answer --help for every command.
    known.add('--help');
    const text = await readFile(DOCS, 'utf8');
    // Section 2 is the agent's; npm's own flags (npm prune --omit=dev) are not ours to check.
    const section = text
      .slice(text.indexOf('### 2.'), text.indexOf('### 3.'))
      .split('\n')
      .filter((l) => !l.includes('npm '))
      .join('\n');
    const named = new Set([...section.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0]));
    expect(named.size).toBeGreaterThan(10);
    expect([...named].filter((flag) => !known.has(flag))).toEqual([]);
  });

  test('lists exactly the metrics the bot exports', async () => {
    const { body } = await createMetrics().metricsText();
    const exported = new Set([...body.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    const documented = new Set([...(await readFile(DOCS, 'utf8')).matchAll(/`(recio_[a-z_]+)`/g)].map((m) => m[1]));
    expect([...documented].sort()).toEqual([...exported].sort());
  });
});
