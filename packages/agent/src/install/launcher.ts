import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ErrorCode, RecioError } from '@recio/protocol/errors';

export const LAUNCHER_MARKER = '# recio-agent launcher, written by `recio agent install`';

// The node and entry paths go unquoted into a shell script, so only characters sh takes literally.
// `@` is one of them, and every npm-installed agent's path has it (node_modules/@recio/agent).
const SAFE_PATH = /^\/[A-Za-z0-9_./+@-]+$/;

/**
 * The program sshd runs as the forced command. A script rather than a symlink to main.js: its
 * `#!/usr/bin/env node` would pick whatever node is first on the agent user's PATH, and sshd
 * gives forced commands a minimal PATH. This pins the node the package was installed with.
 */
export function launcherScript(nodePath: string, agentEntry: string): string {
  for (const [what, path] of [
    ['node', nodePath],
    ['agent entry', agentEntry],
  ] as const) {
    if (!SAFE_PATH.test(path))
      throw new RecioError(
        ErrorCode.InvalidParams,
        `${what} path must be absolute and plain ([A-Za-z0-9_./+@-]), got ${JSON.stringify(path)}`,
      );
  }
  return ['#!/bin/sh', LAUNCHER_MARKER, `exec ${nodePath} ${agentEntry} "$@"`, ''].join('\n');
}

/**
 * This package's compiled agent (`dist/main.js`), found from wherever this module runs (src/ under
 * tsx and vitest, dist/ when built): the nearest folder up with a package.json is the package.
 */
export function findAgentEntry(from: string = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      const entry = join(dir, 'dist', 'main.js');
      if (!existsSync(entry))
        throw new RecioError(ErrorCode.ConfigInvalid, `${entry} is missing: run \`npm run build\` first`);
      return entry;
    }
    if (dirname(dir) === dir)
      throw new RecioError(ErrorCode.ConfigInvalid, `no package.json above ${from}: cannot find the agent`);
  }
}
