import { ReleaseTag } from '@recio/protocol/actions';
import type { ActionContext, ActionOutcome } from './action-context.js';
import { failedRun } from './action-context.js';

export interface TagInfo {
  tag: string;
  /** The commit the tag points to (peeled through an annotated tag). */
  commit: string;
  /** The tag's creation date (the commit's date for a lightweight tag), ISO 8601. */
  date: string;
}

/**
 * git on the release repo. The repo belongs to the service account, not to the agent's user; git
 * refuses such a repo unless told it is safe, and the admin named this one in the agent config.
 */
export function gitArgv(ctx: ActionContext): string[] {
  const { repo } = ctx.config.deploy;
  return [...ctx.config.deploy.git, '-c', `safe.directory=${repo}`, '-C', repo];
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
