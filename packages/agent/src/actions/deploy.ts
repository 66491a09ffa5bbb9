import type { ActionHandler } from '../action-context.js';
import { failedRun, succeeded } from '../action-context.js';
import { isOutcome } from '../backup-files.js';
import { gitArgv, headCommit, readTags } from '../git-repo.js';

/** What is checked out in the release repo: commit, the tag on it if any, and the branch. */
export const deployCurrent: ActionHandler<'deploy.current'> = async (_params, ctx) => {
  const { repo } = ctx.config.deploy;
  const git = gitArgv(ctx);
  const head = await ctx.run([...git, 'rev-parse', 'HEAD']);
  if (head.exitCode !== 0) return failedRun(head, 'git rev-parse HEAD');
  const tag = await ctx.run([...git, 'describe', '--tags', '--exact-match', 'HEAD']);
  const branch = await ctx.run([...git, 'rev-parse', '--abbrev-ref', 'HEAD']);
  const branchName = branch.stdout.trim();
  return succeeded({
    repo,
    commit: head.stdout.trim(),
    tag: tag.exitCode === 0 ? tag.stdout.trim() : null,
    branch: branchName === 'HEAD' || branchName === '' ? null : branchName,
  });
};

/**
 * deploy.tags — the releases a rollback can pick from (§1.4 "last known good tag").
 *
 * params: { limit: 1..200 (default 20) }
 * data:   { repo, head: { commit, tags }, tags: [{ tag, commit, date, current }], total }
 * config: deploy.repo, deploy.git, deploy.releaseTags (regular expression; default `^v?[0-9]`)
 *
 * Newest first by creatordate; `current` marks the tags on the checked-out commit.
 */
export const deployTags: ActionHandler<'deploy.tags'> = async ({ limit }, ctx) => {
  const head = await headCommit(ctx);
  if (typeof head !== 'string') return head;
  const all = await readTags(ctx);
  if (isOutcome(all)) return all;
  const release = new RegExp(ctx.config.deploy.releaseTags);
  const releases = all.filter((t) => release.test(t.tag));
  return succeeded({
    repo: ctx.config.deploy.repo,
    head: { commit: head, tags: releases.filter((t) => t.commit === head).map((t) => t.tag) },
    tags: releases.slice(0, limit).map((t) => ({ ...t, current: t.commit === head })),
    total: releases.length,
  });
};
