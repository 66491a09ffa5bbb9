import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** A fixture script run as a separate node process (a second bot, or one we will SIGKILL). */
export interface Fixture {
  child: ChildProcess;
  /** Resolves with the first JSON line on stdout that `match` accepts. */
  waitFor<T = Record<string, unknown>>(match: (message: Record<string, unknown>) => boolean): Promise<T>;
  send(line: string): void;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | NodeJS.Signals | null>;
  /** Ends the process if it still runs; safe to call twice. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  stderr(): string;
}

const running = new Set<Fixture>();

export function startFixture(script: string, env: Record<string, string>): Fixture {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL(`../fixtures/${script}`, import.meta.url))],
    {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const messages: Record<string, unknown>[] = [];
  const waiters: Array<{
    match: (m: Record<string, unknown>) => boolean;
    resolve: (m: Record<string, unknown>) => void;
  }> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    messages.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.match(message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  const fixture: Fixture = {
    child,
    waitFor<T>(match: (m: Record<string, unknown>) => boolean) {
      const seen = messages.find(match);
      if (seen) return Promise.resolve(seen as T);
      return new Promise<T>((resolve, reject) => {
        waiters.push({ match, resolve: (m) => resolve(m as T) });
        void exited.then((code) =>
          reject(new Error(`${script} exited (${String(code)}) before the expected message: ${stderr.slice(-2_000)}`)),
        );
      });
    },
    send: (line) => child.stdin!.write(`${line}\n`),
    exited,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
      running.delete(fixture);
    },
    stderr: () => stderr,
  };
  running.add(fixture);
  void exited.then(() => running.delete(fixture));
  return fixture;
}

/** For afterAll: whatever a failed test left running. */
export async function killAllFixtures(): Promise<void> {
  await Promise.all([...running].map((f) => f.kill()));
}
