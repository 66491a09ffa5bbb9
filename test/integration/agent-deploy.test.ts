import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SshTransport } from '@recio/bot/hosts/ssh-transport';
import { startTestHost, type TestHost } from '../support/test-host.js';
import { ensureTestUser } from '../support/test-user.js';
import { injections, patchAgentConfig, rawRequest, transportTo } from './agent-harness.js';
import { ownedTempDir } from '../support/leftovers.js';

const SETTLE_SECONDS = 5;
let work: string;
let repo: string;
let pipLog: string;
let host: TestHost;
let transport: SshTransport;

// The test runs git as root on a repo the agent's user owns.
const git = (...args: string[]) => execa('git', ['-c', 'safe.directory=*', '-C', repo, ...args]);
const head = async () => (await git('rev-parse', 'HEAD')).stdout.trim();
const commitOf = async (tag: string) => (await git('rev-parse', `refs/tags/${tag}^{commit}`)).stdout.trim();
const pipCalls = async () =>
  existsSync(pipLog)
    ? (await readFile(pipLog, 'utf8'))
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { cwd: string; args: string[] })
    : [];
const pids = async () => Object.fromEntries((await host.supervisor.status()).map((p) => [p.name, p.pid]));

/** One release: its files, a commit at a fixed date (so creatordate orders them), and a tag. */
async function release(tag: string, date: string, files: Record<string, string>, annotated = false): Promise<void> {
  for (const [name, content] of Object.entries(files)) await writeFile(join(repo, name), content);
  const env = { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
  await execa(
    'git',
    ['-c', 'safe.directory=*', '-c', 'user.email=ops@rec.io', '-c', 'user.name=ops', '-C', repo, 'add', '-A'],
    { env },
  );
  await execa(
    'git',
    ['-c', 'safe.directory=*', '-c', 'user.email=ops@rec.io', '-c', 'user.name=ops', '-C', repo, 'commit', '-qm', tag],
    { env },
  );
  await execa(
    'git',
    [
      '-c',
      'safe.directory=*',
      '-c',
      'user.email=ops@rec.io',
      '-c',
      'user.name=ops',
      '-C',
      repo,
      'tag',
      ...(annotated ? ['-a', '-m', tag] : []),
      tag,
    ],
    { env },
  );
}

beforeAll(async () => {
  const user = ensureTestUser();
  work = await ownedTempDir('deploy');
  await chmod(work, 0o755);
  repo = join(work, 'rec_io_v2');
  pipLog = join(work, 'pip.log');
  await mkdir(repo);
  await execa('git', ['init', '-q', '-b', 'main', repo]);
  await release('v0.9.0', '2025-12-05T10:00:00Z', {
    'requirements.txt': 'requests==2.30.0\n',
    'app.py': 'print("v0.9.0")\n',
    CRASH_ON_START: 'kalshi_api_watchdog after=1.5\n',
  });
  await rm(join(repo, 'CRASH_ON_START'));
  await release(
    'v1.0.0',
    '2026-01-05T10:00:00Z',
    { 'requirements.txt': 'requests==2.31.0\n', 'app.py': 'print("v1.0.0")\n' },
    true,
  );
  await release('v1.1.0', '2026-02-05T10:00:00Z', {
    'requirements.txt': 'requests==2.32.0\n',
    'app.py': 'print("v1.1.0")\n',
    CRASH_ON_START: 'trade_executor\n',
  });
  await rm(join(repo, 'CRASH_ON_START'));
  await release('v1.2.0', '2026-03-05T10:00:00Z', { 'app.py': 'print("v1.2.0")\n' });
  await git('tag', 'nightly-build');
  // PyPI is unreachable here: pip is a stand-in that records how it was called.
  const pip = join(work, 'pip-stand-in.mjs');
  await writeFile(
    pip,
    "import { appendFileSync } from 'node:fs';\n" +
      `appendFileSync(${JSON.stringify(pipLog)}, ` +
      "JSON.stringify({ cwd: process.cwd(), args: process.argv.slice(2) }) + '\\n');\n",
  );
  await writeFile(pipLog, '', { mode: 0o666 });
  await chmod(pipLog, 0o666);
  if (user.isRoot) await execa('chown', ['-R', `${user.name}:`, repo]);
  host = await startTestHost({
    releaseDir: repo,
    // A settle wait well past v0.9.0's crash (1.5 s after spawn): a program that boots slowly on a
    // loaded machine still dies inside it.
    agentConfig: { deploy: { repo, pip: [process.execPath, pip], settleSeconds: SETTLE_SECONDS } },
  });
  transport = transportTo(host);
});

afterAll(async () => {
  await transport?.close();
  await host?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('deploy.tags', () => {
  test('release tags newest first, the checked-out one marked, each with its commit', async () => {
    const result = await transport.run({ action: 'deploy.tags', params: {} });
    expect(result.ok).toBe(true);
    const data = result.data as {
      head: { commit: string; tags: string[] };
      tags: Array<{ tag: string; commit: string; current: boolean }>;
      total: number;
    };
    expect(data.tags.map((t) => [t.tag, t.current])).toEqual([
      ['v1.2.0', true],
      ['v1.1.0', false],
      ['v1.0.0', false],
      ['v0.9.0', false],
    ]);
    // v1.0.0 is annotated: the commit is the one it points to, not the tag object.
    expect(data.tags[2]?.commit).toBe(await commitOf('v1.0.0'));
    expect(data.tags[2]?.commit).not.toBe((await git('rev-parse', 'refs/tags/v1.0.0')).stdout.trim());
    expect(data.head).toEqual({ commit: await head(), tags: ['v1.2.0'] });
    const limited = await transport.run({ action: 'deploy.tags', params: { limit: 1 } });
    expect(limited.data).toMatchObject({ total: 4, tags: [{ tag: 'v1.2.0' }] });
  });
});

describe('deploy.rollback', () => {
  test('to a release whose program crashes: smoke failed, with states and log tails, left on the tag', async () => {
    const from = await head();
    const result = await transport.run({ action: 'deploy.rollback', params: { tag: 'v1.1.0', waitSeconds: 30 } });
    expect(result).toMatchObject({ ok: false, error: { code: 'smoke_failed' } });
    expect(result.error?.message).toMatch(
      /smoke failed after rolling back to v1\.1\.0: .*trade_executor (FATAL|BACKOFF)/,
    );
    const data = result.data as {
      from: unknown;
      to: unknown;
      programs: Array<{ name: string; state: string; tail?: string[] }>;
    };
    expect(data.from).toEqual({ commit: from, tag: 'v1.2.0' });
    expect(data.to).toEqual({ commit: await commitOf('v1.1.0'), tag: 'v1.1.0' });
    const executor = data.programs.find((p) => p.name === 'trade_executor');
    expect(['FATAL', 'BACKOFF']).toContain(executor?.state);
    expect(executor?.tail?.join('\n')).toContain('ImportError in this release');
    expect(data.programs.filter((p) => p.name !== 'trade_executor').every((p) => p.state === 'RUNNING')).toBe(true);
    expect(await head()).toBe(await commitOf('v1.1.0'));
    expect((await pipCalls()).at(-1)).toEqual({ cwd: repo, args: ['install', '-r', 'requirements.txt', '--upgrade'] });
  });

  test('to a good release: HEAD on the tag, every program RUNNING with a new pid', async () => {
    const before = await pids();
    const calls = (await pipCalls()).length;
    const result = await transport.run({ action: 'deploy.rollback', params: { tag: 'v1.0.0' } });
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({
      ok: true,
      exitCode: 0,
      data: { from: { tag: 'v1.1.0' }, to: { tag: 'v1.0.0', commit: await commitOf('v1.0.0') } },
    });
    expect(await head()).toBe(await commitOf('v1.0.0'));
    const status = await host.supervisor.status();
    expect(status.every((p) => p.state === 'RUNNING' && p.pid !== before[p.name])).toBe(true);
    const programs = (result.data as { programs: Array<{ name: string; state: string; pid: number }> }).programs;
    expect(programs.map((p) => p.name).sort()).toEqual(status.map((p) => p.name).sort());
    expect(programs.every((p) => p.state === 'RUNNING' && p.pid === status.find((s) => s.name === p.name)?.pid)).toBe(
      true,
    );
    expect(await pipCalls()).toHaveLength(calls + 1);
    const current = await transport.run({ action: 'deploy.current', params: {} });
    expect(current.data).toMatchObject({ tag: 'v1.0.0', branch: null });
  });

  test('to a release whose program dies a moment after start: smoke failed in the settle wait', async () => {
    try {
      const result = await transport.run({ action: 'deploy.rollback', params: { tag: 'v0.9.0' } });
      expect(result).toMatchObject({ ok: false, error: { code: 'smoke_failed' }, data: { to: { tag: 'v0.9.0' } } });
      expect(result.error?.message).toMatch(
        new RegExp(`did not stay up for ${SETTLE_SECONDS}s: .*kalshi_api_watchdog`),
      );
      expect(await head()).toBe(await commitOf('v0.9.0'));
    } finally {
      // Back to a good release, so the crash loop does not run into the tests below.
      const back = await transport.run({ action: 'deploy.rollback', params: { tag: 'v1.0.0' } });
      expect(back.ok).toBe(true);
    }
  });
});

describe('deploy.rollback refusals: nothing runs', () => {
  const marker = () => join(work, 'pwned');

  async function unchanged<T>(run: () => Promise<T>): Promise<T> {
    const before = { head: await head(), pids: await pids(), pip: (await pipCalls()).length };
    const out = await run();
    expect(await head()).toBe(before.head);
    expect(await pids()).toEqual(before.pids);
    expect(await pipCalls()).toHaveLength(before.pip);
    expect(existsSync(marker())).toBe(false);
    return out;
  }

  test('injected tags are refused by the bot and, sent raw, by the agent', async () => {
    await unchanged(async () => {
      for (const tag of [
        ...injections(marker()),
        'v1.0.0 --force',
        'v1..0',
        'v1.0.0.lock',
        '.v1',
        'refs/tags/v1.0.0',
        'v1.0.0^{commit}',
        'HEAD~1:app.py',
      ]) {
        const viaBot = await transport.run({ action: 'deploy.rollback', params: { tag } });
        expect(viaBot.error?.code, tag).toBe('invalid_params');
        const raw = await rawRequest(host, { v: 1, id: 'd1', action: 'deploy.rollback', params: { tag } });
        expect(raw.exitCode, tag).toBe(2);
        expect(raw.result, tag).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
      }
    });
  });

  test('a well-formed name that is not a tag of the repo (a branch, a commit, nothing) is refused', async () => {
    const sha = (await head()).slice(0, 12);
    await unchanged(async () => {
      for (const tag of ['v9.9.9', 'main', sha, 'HEAD']) {
        const result = await transport.run({ action: 'deploy.rollback', params: { tag } });
        expect(result, tag).toMatchObject({ ok: false, exitCode: 2, error: { code: 'unknown_tag' } });
        expect(result.error?.message, tag).toContain('newest releases: v1.2.0, v1.1.0, v1.0.0, v0.9.0');
      }
    });
  });

  test(
    'a work tree with local changes is refused; ' + 'with deploy.force it is discarded and the rollback goes on',
    async () => {
      await writeFile(join(repo, 'app.py'), 'print("hotfix typed on the server")\n');
      const refused = await unchanged(() => transport.run({ action: 'deploy.rollback', params: { tag: 'v1.2.0' } }));
      expect(refused).toMatchObject({
        ok: false,
        exitCode: 2,
        error: { code: 'dirty_worktree' },
        data: { dirty: ['app.py'] },
      });
      expect(await readFile(join(repo, 'app.py'), 'utf8')).toContain('hotfix');

      await patchAgentConfig(host, { deploy: { force: true } });
      const forced = transportTo(host);
      try {
        const result = await forced.run({ action: 'deploy.rollback', params: { tag: 'v1.2.0' } });
        expect(result).toMatchObject({ ok: true, data: { to: { tag: 'v1.2.0' } } });
        expect(await readFile(join(repo, 'app.py'), 'utf8')).toBe('print("v1.2.0")\n');
      } finally {
        await forced.close();
        await patchAgentConfig(host, { deploy: { force: false } });
      }
    },
  );
});

describe('code the release repo’s owner planted does not run as the agent', () => {
  let markers: string;
  const hookRan = () => join(markers, 'post-checkout-ran');
  const fsmonitorRan = () => join(markers, 'fsmonitor-ran');
  const filterRan = () => join(markers, 'filter-ran');

  beforeAll(async () => {
    // Writable by the agent's account too, so a hook running as the agent could leave its mark.
    markers = join(work, 'markers');
    await mkdir(markers);
    await chmod(markers, 0o777);
  });

  test('a post-checkout hook and core.fsmonitor in the repo run during neither status nor checkout', async () => {
    const hook = join(repo, '.git', 'hooks', 'post-checkout');
    await writeFile(hook, `#!/bin/sh\necho "$(id -un)" > ${hookRan()}\n`, { mode: 0o755 });
    const monitor = join(markers, 'fsmonitor.sh');
    await writeFile(monitor, `#!/bin/sh\necho "$(id -un)" > ${fsmonitorRan()}\nexit 1\n`, { mode: 0o755 });
    await git('config', 'core.fsmonitor', monitor);
    try {
      // The planted code is live: git run plainly runs both.
      await git('status', '--porcelain');
      await git('checkout', '--quiet', '--detach', 'HEAD');
      expect(existsSync(hookRan())).toBe(true);
      expect(existsSync(fsmonitorRan())).toBe(true);
      await rm(hookRan());
      await rm(fsmonitorRan());

      const result = await transport.run({ action: 'deploy.rollback', params: { tag: 'v1.0.0' } });
      expect(result.error).toBeUndefined();
      expect(result).toMatchObject({ ok: true, data: { to: { tag: 'v1.0.0' } } });
      expect(await head()).toBe(await commitOf('v1.0.0'));
      expect(existsSync(hookRan())).toBe(false);
      expect(existsSync(fsmonitorRan())).toBe(false);
    } finally {
      await rm(hook, { force: true });
      await git('config', '--unset', 'core.fsmonitor');
    }
  });

  test('a filter driver named in the repo config is refused before git touches the work tree', async () => {
    await git('config', 'filter.planted.smudge', `sh -c 'id -un > ${filterRan()}; cat'`);
    await writeFile(join(repo, '.git', 'info', 'attributes'), '* filter=planted\n');
    try {
      const before = await head();
      const result = await transport.run({ action: 'deploy.rollback', params: { tag: 'v1.2.0' } });
      expect(result).toMatchObject({ ok: false, exitCode: 2, error: { code: 'action_failed' } });
      expect(result.error?.message).toContain('filter.planted.smudge');
      expect(await head()).toBe(before);
      expect(existsSync(filterRan())).toBe(false);
    } finally {
      await git('config', '--remove-section', 'filter.planted');
      await rm(join(repo, '.git', 'info', 'attributes'), { force: true });
    }
  });
});
