import type { ActionHandler } from '../action-context.js';
import { failedRun, succeeded } from '../action-context.js';

/** What is checked out in the release repo: commit, the tag on it if any, and the branch. */
export const deployCurrent: ActionHandler<'deploy.current'> = async (_params, ctx) => {
  const { repo } = ctx.config.deploy;
  // The release repo belongs to the service account, not to the agent's user; git refuses such a
  // repo unless told it is safe, and the admin named this one in the agent config.
  const git = [...ctx.config.deploy.git, '-c', `safe.directory=${repo}`, '-C', repo];
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
