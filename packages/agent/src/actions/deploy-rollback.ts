import type { ActionContext, ActionHandler, ActionOutcome } from '../action-context.js';
import { failed, failedRun, succeeded } from '../action-context.js';
import { ErrorCode } from '@recio/protocol/errors';
import { isOutcome } from '../backup-files.js';
import { dirtyFiles, gitArgv, headCommit, readTags, refuseRepoPrograms, type TagInfo } from '../git-repo.js';
import { waitUntilSettled } from '../program-settle.js';
import { readStatus, tailLines } from '../supervisor-ctl.js';

/**
 * deploy.rollback — the plan's "Broken Deploy / Bad Release" (§1.4), step by step:
 * `git checkout <last_good_tag>`, `pip install -r requirements.txt --upgrade`,
 * `supervisorctl restart all`, then the smoke check. Dangerous: the bot asks a second person.
 *
 * params: { tag: a release tag (schema: never starts with - or .), waitSeconds: 1..600 (default 60) }
 * data:   { from: { commit, tag }, to: { commit, tag }, programs: [{ name, state, pid, description, tail? }] }
 * config: deploy.{repo, git, pip, force, settleSeconds}, supervisorctl, services (the programs judged)
 *
 * The tag must be one of the repo's real tags before anything runs; it is resolved to a commit
 * through `refs/tags/<tag>^{commit}` and the checkout is of that commit with `--detach`, so the
 * name can never be read as an option, a branch or a path. A work tree with local changes to
 * tracked files is refused unless deploy.force (then they are discarded). Postcondition: HEAD is
 * the tag's commit and every program in `services` is RUNNING with a new pid and stays up for
 * deploy.settleSeconds. If not: `smoke_failed` with the states and log tails, the checkout left on
 * the tag — the runbook decides what next (the previous tag).
 */
export const deployRollback: ActionHandler<'deploy.rollback'> = async ({ tag, waitSeconds }, ctx) => {
  const tags = await readTags(ctx);
  if (isOutcome(tags)) return tags;
  const target = tags.find((t) => t.tag === tag);
  const release = new RegExp(ctx.config.deploy.releaseTags);
  if (target === undefined) {
    const recent =
      tags
        .filter((t) => release.test(t.tag))
        .slice(0, 5)
        .map((t) => t.tag)
        .join(', ') || 'none';
    return failed(
      ErrorCode.UnknownTag,
      `unknown tag "${tag}": not a tag of ${ctx.config.deploy.repo} (newest releases: ${recent})`,
      undefined,
      2,
    );
  }
  const programs = await refuseRepoPrograms(ctx);
  if (programs !== undefined) return programs;
  const dirty = await dirtyFiles(ctx);
  if (!Array.isArray(dirty)) return dirty;
  if (dirty.length > 0 && !ctx.config.deploy.force) {
    const shown = `${dirty.slice(0, 5).join(', ')}${dirty.length > 5 ? ', …' : ''}`;
    const refusal = 'refusing to roll back over them (deploy.force allows it)';
    const message = `the work tree has local changes (${shown}): ${refusal}`;
    return failed(ErrorCode.DirtyWorktree, message, { dirty }, 2);
  }
  const fromCommit = await headCommit(ctx);
  if (typeof fromCommit !== 'string') return fromCommit;
  // A release tag names the commit better than a build tag on the same commit.
  const onHead = tags
    .filter((t) => t.commit === fromCommit)
    .sort((a, b) => Number(release.test(b.tag)) - Number(release.test(a.tag)));
  const from = { commit: fromCommit, tag: onHead[0]?.tag ?? null };

  const checkedOut = await checkout(ctx, target, dirty.length > 0);
  if (checkedOut !== undefined) return { ...checkedOut, data: { from, to: { commit: target.commit, tag } } };
  const to = { commit: target.commit, tag };

  const { repo } = ctx.config.deploy;
  const pip = await ctx.run([...ctx.config.deploy.pip, 'install', '-r', 'requirements.txt', '--upgrade'], {
    cwd: repo,
  });
  if (pip.exitCode !== 0 || pip.timedOut || pip.startError !== undefined) {
    return failedRun(pip, `pip install after checking out ${tag} (programs not restarted)`, { from, to, programs: [] });
  }
  return restartAndSmoke(ctx, from, to, waitSeconds);
};

/** Checks out the tag's commit and holds it to HEAD being that commit; undefined when it is. */
async function checkout(ctx: ActionContext, target: TagInfo, force: boolean): Promise<ActionOutcome | undefined> {
  const git = gitArgv(ctx);
  const resolved = await ctx.run([...git, 'rev-parse', '--verify', '--quiet', `refs/tags/${target.tag}^{commit}`]);
  const commit = resolved.stdout.trim();
  if (resolved.exitCode !== 0 || !/^[0-9a-f]{40,64}$/.test(commit))
    return failedRun(resolved, `git rev-parse ${target.tag}`);
  const run = await ctx.run([...git, 'checkout', '--quiet', '--detach', ...(force ? ['--force'] : []), commit, '--']);
  if (run.exitCode !== 0 || run.timedOut) return failedRun(run, `git checkout ${target.tag}`);
  const head = await headCommit(ctx);
  if (typeof head !== 'string') return head;
  return head === commit
    ? undefined
    : failed(ErrorCode.ActionFailed, `HEAD is ${head} after checking out ${target.tag} (${commit})`);
}

async function restartAndSmoke(
  ctx: ActionContext,
  from: object,
  to: { commit: string; tag: string },
  waitSeconds: number,
): Promise<ActionOutcome> {
  const names = ctx.config.services;
  const before = await readStatus(ctx);
  const pidsBefore = new Map(before.programs.map((p) => [p.name, p.pid]));
  const restart = await ctx.run([...ctx.config.supervisorctl, 'restart', 'all']);
  if (restart.timedOut || restart.startError !== undefined)
    return failedRun(restart, 'supervisorctl restart all', { from, to, programs: [] });
  const report = await waitUntilSettled(ctx, names, pidsBefore, waitSeconds, ctx.config.deploy.settleSeconds);
  // The smoke check's other half: the checkout is still what we put there.
  const head = await headCommit(ctx);
  const programs = [];
  for (const p of report.programs) {
    const tail = p.state === 'RUNNING' || p.state === 'UNKNOWN' ? undefined : await tailLines(ctx, p.name, 20);
    programs.push({ name: p.name, state: p.state, pid: p.pid, description: p.description, ...(tail ? { tail } : {}) });
  }
  const data = { from, to, programs };
  if (head !== to.commit) return failed(ErrorCode.ActionFailed, `HEAD moved during the rollback to ${to.tag}`, data);
  if (!report.up)
    return failed(
      ErrorCode.SmokeFailed,
      `smoke failed after rolling back to ${to.tag}: ${report.reason ?? 'programs not up'}`,
      data,
    );
  return succeeded(data);
}
