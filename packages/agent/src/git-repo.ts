import { ReleaseTag } from '@recio/protocol/actions';
import type { ActionContext, ActionOutcome } from './action-context.js';
import { failed, failedRun } from './action-context.js';
import { ErrorCode } from '@recio/protocol/errors';

export interface TagInfo {
  tag: string;
  /** The commit the tag points to (peeled through an annotated tag). */
  commit: string;
  /** The tag's creation date (the commit's date for a lightweight tag), ISO 8601. */
  date: string;
}

/**
 * The release repo's owner (the service account) writes its config and hooks; the agent must run
 * none of that code. Options on the command line win over the repo's config: no hooks (a
 * `post-checkout` would run as the agent), no fsmonitor program, no network transport at all (a
 * rollback only moves between tags already here), no credential helper, pager or editor.
 */
export const GIT_WITHOUT_REPO_CODE: readonly string[] = [
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'protocol.allow=never',
  '-c',
  'submodule.recurse=false',
  '-c',
  'core.sshCommand=false',
  '-c',
  'credential.helper=',
  '-c',
  'core.pager=cat',
  '-c',
  'core.editor=false',
];

/**
 * git on the release repo. The repo belongs to the service account, not to the agent's user; git
 * refuses such a repo unless told it is safe, and the admin named this one in the agent config.
 */
export function gitArgv(ctx: ActionContext): string[] {
  const { repo } = ctx.config.deploy;
  return [...ctx.config.deploy.git, '-c', `safe.directory=${repo}`, ...GIT_WITHOUT_REPO_CODE, '-C', repo];
}

/**
 * Repo config keys that name a program git would run and that `-c` cannot switch off as a class
 * (each driver has its own name): filters run on checkout and status, diff/merge drivers, includes
 * that pull in config from elsewhere.
 */
const PROGRAM_KEYS = [
  /^filter\..+\.(?:clean|smudge|process)$/,
  /^diff\.external$/,
  /^diff\..+\.(?:textconv|command)$/,
  /^merge\..+\.driver$/,
  /^include\.path$/,
  /^includeif\..+\.path$/,
  /^core\.(?:gitproxy|askpass|alternaterefscommand)$/,
  /^credential\..+\.helper$/,
  /^uploadpack\.packobjectshook$/,
];

/** Refuses a repo whose own config would make git run a program; undefined when it is clean. */
export async function refuseRepoPrograms(ctx: ActionContext): Promise<ActionOutcome | undefined> {
  const run = await ctx.run([...gitArgv(ctx), 'config', '--local', '--no-includes', '--name-only', '--list']);
  if (run.exitCode !== 0 || run.timedOut) return failedRun(run, 'git config --local --list');
  const found = run.stdout
    .split('\n')
    .map((key) => key.trim())
    .filter((key) => PROGRAM_KEYS.some((pattern) => pattern.test(key.toLowerCase())));
  if (found.length === 0) return undefined;
  return failed(
    ErrorCode.ActionFailed,
    `the release repo's own config names programs git would run as the agent (${found.join(', ')}): ` +
      `refusing to touch it; its owner removes them (git config --unset) or the admin does`,
    { programKeys: found },
    2,
  );
}

export async function headCommit(ctx: ActionContext): Promise<string | ActionOutcome> {
  const head = await ctx.run([...gitArgv(ctx), 'rev-parse', '--verify', 'HEAD']);
  if (head.exitCode !== 0 || head.timedOut) return failedRun(head, 'git rev-parse HEAD');
  return head.stdout.trim();
}

/**
 * The repo's real tags, newest first by creatordate (what `git tag --list` knows, with dates and
 * peeled commits). Tags whose names the ReleaseTag schema would refuse are left out: a tag listed
 * here can always be passed back to deploy.rollback.
 */
export async function readTags(ctx: ActionContext): Promise<TagInfo[] | ActionOutcome> {
  const format = '%(refname:strip=2)%09%(objectname)%09%(*objectname)%09%(creatordate:iso-strict)';
  const run = await ctx.run([
    ...gitArgv(ctx),
    'for-each-ref',
    '--sort=-creatordate',
    `--format=${format}`,
    'refs/tags',
  ]);
  if (run.exitCode !== 0 || run.timedOut) return failedRun(run, 'git for-each-ref refs/tags');
  const tags: TagInfo[] = [];
  for (const line of run.stdout.split('\n')) {
    const [tag = '', object = '', peeled = '', date = ''] = line.split('\t');
    if (tag === '' || !ReleaseTag.safeParse(tag).success) continue;
    tags.push({ tag, commit: peeled || object, date });
  }
  return tags;
}

/** Tracked files with local changes (untracked files are left alone by a checkout, so they do not count). */
export async function dirtyFiles(ctx: ActionContext): Promise<string[] | ActionOutcome> {
  const run = await ctx.run([...gitArgv(ctx), 'status', '--porcelain=v1', '--untracked-files=no']);
  if (run.exitCode !== 0 || run.timedOut) return failedRun(run, 'git status');
  return run.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.slice(3));
}
