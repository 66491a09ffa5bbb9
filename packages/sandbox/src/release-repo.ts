import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import type { SandboxPaths } from './sandbox-paths.js';
import { asUser, type UnixAccount } from './sandbox-user.js';
import { ensureDir } from './write-if-changed.js';

/** A release of the stand-in REC.IO: what its checkout holds. The programs read release.json at start. */
interface Release {
  tag: string;
  date: string;
  requirements: string[];
  /** Modules every program imports at start; one missing from the tree is an ImportError. */
  modules: string[];
  /** Modules actually in the tree (a bad release forgets one). */
  shipped: string[];
}

const BASE_MODULES = ['rec_io/db', 'rec_io/feeds', 'rec_io/trading'];

export const RELEASES: readonly Release[] = [
  {
    tag: 'v2.3.0',
    date: '2026-09-02T14:00:00Z',
    requirements: ['psycopg2-binary==2.9.9', 'requests==2.31.0', 'kalshi-python==2.0.1'],
    modules: BASE_MODULES,
    shipped: BASE_MODULES,
  },
  {
    tag: 'v2.4.0',
    date: '2026-10-14T14:00:00Z',
    requirements: ['psycopg2-binary==2.9.9', 'requests==2.32.3', 'kalshi-python==2.1.0'],
    modules: BASE_MODULES,
    shipped: BASE_MODULES,
  },
  // The bad one: the new Kalshi client is imported everywhere but was never committed.
  {
    tag: 'v2.5.0',
    date: '2026-11-18T14:00:00Z',
    requirements: ['psycopg2-binary==2.9.10', 'requests==2.32.3', 'kalshi-python==3.0.0'],
    modules: [...BASE_MODULES, 'rec_io/kalshi_v3_client'],
    shipped: BASE_MODULES,
  },
];
export const GOOD_TAG = 'v2.4.0';
export const BAD_TAG = 'v2.5.0';

/** Host-specific files REC.IO keeps beside its code and never commits (§2.2 backs them up). */
export const UNTRACKED_FILES = ['.env', 'config.json', 'MASTER_PORT_MANIFEST.json'] as const;

function git(paths: SandboxPaths, user: UnixAccount, args: string[], env: Record<string, string> = {}) {
  const runAs = asUser(user, paths.homeDir);
  return execa(
    'git',
    ['-c', 'user.name=REC.IO release bot', '-c', 'user.email=releases@rec.io', '-C', paths.repo, ...args],
    {
      ...runAs,
      env: { ...runAs.env, GIT_CONFIG_NOSYSTEM: '1', ...env },
      reject: false,
    },
  );
}

async function hasAllTags(paths: SandboxPaths, user: UnixAccount): Promise<boolean> {
  if (!existsSync(join(paths.repo, '.git'))) return false;
  const run = await git(paths, user, ['tag', '--list']);
  const tags = run.stdout.split('\n');
  return run.exitCode === 0 && RELEASES.every((r) => tags.includes(r.tag));
}

function writeRelease(paths: SandboxPaths, release: Release): void {
  const version = release.tag.slice(1);
  const files: Record<string, string> = {
    'release.json': `${JSON.stringify({ version: release.tag, modules: release.modules }, null, 2)}\n`,
    'requirements.txt': `${release.requirements.join('\n')}\n`,
    'rec_io/__init__.py': `__version__ = "${version}"\n`,
    '.gitignore': `${UNTRACKED_FILES.join('\n')}\nlogs/\n`,
    'README.md':
      `# REC.IO v2 (sandbox stand-in)\n\nRelease ${release.tag}. ` +
      "The programs themselves are recio-bot's sandbox scripts; this tree is what they load at start.\n",
  };
  for (const module of release.shipped) files[`${module}.py`] = `# ${module} ${version}\n`;
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(paths.repo, name)), { recursive: true });
    writeFileSync(join(paths.repo, name), text);
  }
}

/**
 * /opt/rec_io_v2 of the sandbox: one commit per release, each tagged (annotated, dated, so
 * creatordate orders them), v2.4.0 checked out the way a deploy leaves it (detached at the tag).
 * Made again from scratch if an earlier `up` stopped half-way.
 */
export async function ensureRepo(paths: SandboxPaths, user: UnixAccount): Promise<boolean> {
  // The marker, not the tags alone: an `up` killed after tagging has not checked out v2.4.0 yet.
  const ready = join(paths.optDir, '.rec_io_v2-ready');
  if (existsSync(ready) && (await hasAllTags(paths, user))) return false;
  rmSync(ready, { force: true });
  rmSync(paths.repo, { recursive: true, force: true });
  ensureDir(paths.optDir, 0o755, user);
  ensureDir(paths.repo, 0o755, user);
  const must = async (args: string[], env?: Record<string, string>) => {
    const run = await git(paths, user, args, env);
    if (run.exitCode !== 0)
      throw new RecioError(ErrorCode.ActionFailed, `git ${args.join(' ')} failed: ${run.stderr.trim()}`);
  };
  await must(['init', '-q', '-b', 'main']);
  for (const release of RELEASES) {
    // Written as the sandbox user: the agent must be able to check these files out again.
    await writeReleaseAs(paths, user, release);
    const env = { GIT_AUTHOR_DATE: release.date, GIT_COMMITTER_DATE: release.date };
    await must(['add', '-A'], env);
    await must(['commit', '-q', '-m', `Release ${release.tag}`], env);
    await must(['tag', '-a', '-m', `REC.IO ${release.tag}`, release.tag], env);
  }
  await must(['checkout', '-q', '--detach', GOOD_TAG]);
  writeFileSync(ready, `${GOOD_TAG}\n`);
  return true;
}

async function writeReleaseAs(paths: SandboxPaths, user: UnixAccount, release: Release): Promise<void> {
  writeRelease(paths, release);
  // Files written by root in a tree the agent's user owns would make its checkout fail later.
  if (process.getuid?.() === 0) await execa('chown', ['-R', `${user.uid}:${user.gid}`, paths.repo]);
}

/** The release tag on HEAD (`git describe --tags`), or the commit when HEAD is not on a tag. */
export async function currentRelease(paths: SandboxPaths, user: UnixAccount): Promise<string | undefined> {
  const run = await git(paths, user, ['describe', '--tags', '--always', 'HEAD']);
  return run.exitCode === 0 ? run.stdout.trim() : undefined;
}

/** A deploy's `git checkout <tag>`, as the REC.IO user. */
export async function checkoutRelease(paths: SandboxPaths, user: UnixAccount, tag: string): Promise<void> {
  const run = await git(paths, user, ['checkout', '-q', '--detach', `refs/tags/${tag}`]);
  if (run.exitCode !== 0)
    throw new RecioError(ErrorCode.ActionFailed, `git checkout ${tag} failed: ${run.stderr.trim()}`);
}
