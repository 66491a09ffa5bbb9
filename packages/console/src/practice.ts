import { ErrorCode, RecioError } from '@recio/protocol/errors';

/**
 * The practice REC.IO the console can start: the sandbox package (`recio sandbox up`), loaded only
 * where it is installed — a checkout of the repository — by dynamic import, like the console itself.
 */
export interface Practice {
  /** What this machine lacks for it ("sshd (openssh-server)"), and the Debian packages that bring it. */
  missing(): { needs: string[]; packages: string[] };
  /** `recio sandbox up` in ./.sandbox: made, or found running (then it takes a fraction of a second). */
  up(onProgress: (line: string) => void): Promise<{ ok: true } | { ok: false; message: string }>;
}

interface SandboxModule {
  sandboxPrerequisites(): Array<{ what: string; debianPackage: string; found: boolean }>;
  sandboxUp(options: { dir: string; onProgress?: (line: string) => void; timeoutMs?: number }): Promise<unknown>;
}

// A variable, so tsc does not follow it: the console works without the sandbox package.
const SANDBOX_MODULE: string = '@recio/sandbox/index';
export const SANDBOX_DIR = '.sandbox';
/**
 * How long a first `up` may take before the console says it did not start: it makes a cluster, a
 * release checkout and six programs, and the person watches its progress lines meanwhile. `recio
 * sandbox up`'s 90 s was missed under load (a loaded run here: the web UI not yet 200 at 85 s); the
 * tests' own sandboxes wait 240 s, the bound set for a machine three times slower than a quiet one.
 */
const PRACTICE_UP_TIMEOUT_MS = 240_000;

export async function loadPractice(): Promise<Practice | undefined> {
  let sandbox: SandboxModule;
  try {
    sandbox = (await import(SANDBOX_MODULE)) as SandboxModule;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw new RecioError(
      ErrorCode.Internal,
      `the sandbox package would not load: ${(error as Error).message}`,
      {},
      { cause: error },
    );
  }
  return {
    missing() {
      const absent = sandbox.sandboxPrerequisites().filter((p) => !p.found);
      return {
        needs: absent.map((p) => `${p.what} (${p.debianPackage})`),
        packages: [...new Set(absent.map((p) => p.debianPackage))],
      };
    },
    async up(onProgress) {
      try {
        await sandbox.sandboxUp({ dir: SANDBOX_DIR, onProgress, timeoutMs: PRACTICE_UP_TIMEOUT_MS });
        return { ok: true };
      } catch (error) {
        return { ok: false, message: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}
