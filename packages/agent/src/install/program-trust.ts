import { lstat, realpath } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import type { SudoRule } from './sudo-rules.js';

/**
 * A sudo rule is only as narrow as the program it names: if anyone but root can change that file,
 * or any directory above it (rename it away, put another in its place), the rule grants root to
 * whatever they write. So the program and every directory up to `/` must be root's and not group-
 * or world-writable, for the path as written and, through any symlink, for the file it reaches.
 */
async function problemsWith(path: string): Promise<string[]> {
  const problems: string[] = [];
  const check = async (at: string, what: string) => {
    const stat = await lstat(at).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (stat === undefined) return;
    if (stat.uid !== 0) problems.push(`${what} ${at} is owned by uid ${stat.uid}, not root`);
    // A symlink's own mode means nothing (always 0777); the file it reaches is checked below.
    else if (!stat.isSymbolicLink() && (stat.mode & 0o022) !== 0)
      problems.push(
        `${what} ${at} is ${stat.isDirectory() ? 'a directory ' : ''}writable by group or others ` +
          `(mode 0${(stat.mode & 0o7777).toString(8)})`,
      );
  };
  const chain = async (start: string) => {
    await check(start, 'program');
    for (let dir = dirname(start); ; dir = dirname(dir)) {
      await check(dir, 'directory');
      if (dir === dirname(dir)) break;
    }
  };
  await chain(path);
  const real = await realpath(path).catch(() => undefined);
  if (real !== undefined && real !== path) await chain(real);
  return [...new Set(problems)];
}

/** Refuses (config_invalid, every problem listed) sudo rules for programs someone other than root could change. */
export async function checkRulePrograms(rules: readonly SudoRule[]): Promise<void> {
  const problems: string[] = [];
  for (const rule of rules) {
    for (const problem of await problemsWith(rule.command)) problems.push(`${rule.source}: ${problem}`);
  }
  if (problems.length > 0)
    throw new RecioError(
      ErrorCode.ConfigInvalid,
      'refusing to write sudo rules for programs that someone other than root could change:\n' +
        `  ${problems.join('\n  ')}\n` +
        'move the program under a root-owned directory (e.g. /usr/local/sbin, mode 0755) and make it root:root 0755',
      { problems },
    );
}
