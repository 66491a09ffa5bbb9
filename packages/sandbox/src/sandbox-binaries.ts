import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { resolveOnSecurePath } from '@recio/agent/install/sudo-rules';

export type SandboxScript = 'recio-program' | 'provider-stand-in' | 'web-ui-server' | 'pip-stand-in';

/**
 * The compiled sandbox scripts (this package's dist/programs): they run as their own processes,
 * under supervisord or detached, long after this module is gone. From src/ (vitest) and dist/ alike
 * the package is one folder up.
 */
export function scriptPath(script: SandboxScript): string {
  const path = join(dirname(import.meta.dirname), 'dist', 'programs', `${script}.js`);
  if (!existsSync(path))
    throw new RecioError(ErrorCode.ConfigInvalid, `${path} is missing: run \`npm run build\` first`);
  return path;
}

/** `node <script>`, pinned to the node running us (sshd and supervisord give children a bare PATH). */
export function scriptArgv(script: SandboxScript, ...args: string[]): string[] {
  return [process.execPath, scriptPath(script), ...args];
}

/** The absolute path of a system program, or a readable error naming the package to install. */
export function requireProgram(name: string, packageName: string): string {
  const found = resolveOnSecurePath(name);
  if (found === undefined)
    throw new RecioError(ErrorCode.ConfigInvalid, `${name} is not installed (apt-get install ${packageName})`);
  return found;
}
