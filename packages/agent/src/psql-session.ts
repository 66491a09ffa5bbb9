import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { ActionContext } from './action-context.js';
import type { ArgvResult } from './run-argv.js';

/**
 * One long-lived psql per agent process (per SSH session in session mode) for the database probes
 * (db.status's ping, db.tables, db.freshness): one connection instead of a psql start and a login
 * per probe. psql rather than a driver in the agent: the admin's `db.psql` argv and `db.env` (host,
 * user, PGPASSWORD, service files) mean exactly what they mean for every other action.
 *
 * Each query is written to psql's stdin followed by `\echo <mark> :ERROR :LAST_ERROR_MESSAGE`, so
 * the answer's end and its success are read from stdout alone. Queries are serialised; a query
 * that runs out of time kills the psql (its state is unknown) and the next one starts a fresh one.
 */
class PsqlProcess {
  readonly child: ChildProcessWithoutNullStreams;
  private stdout = '';
  private stderr = '';
  exited = false;
  private waiter: (() => void) | undefined;

  constructor(argv: readonly string[], env: Record<string, string>) {
    const [file = 'psql', ...args] = argv;
    this.child = spawn(file, [...args, '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=0'], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stdout.on('data', (data: string) => {
      this.stdout += data;
      this.waiter?.();
    });
    this.child.stderr.on('data', (data: string) => {
      // Kept only to explain a psql that died (could not connect, connection lost): bounded.
      this.stderr = (this.stderr + data).slice(-8192);
    });
    this.child.stdin.on('error', () => {
      // EPIPE from a psql that already exited: its exit is what the pending query reports.
    });
    this.child.on('error', (error) => {
      this.stderr += error.message;
      this.markExited();
    });
    this.child.on('close', () => this.markExited());
    // An idle psql must not keep a one-shot agent (or a bot running the agent in-process) alive.
    this.unref();
  }

  private markExited() {
    this.exited = true;
    this.waiter?.();
  }

  private unref() {
    this.child.unref();
    // Pipes to a child are net.Sockets, which can be unref'd; the stream types do not say so.
    for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr])
      (stream as unknown as { unref?: () => void }).unref?.();
  }

  /** Runs one statement; resolves with what psql printed, or undefined if it exited first. */
  async query(
    sql: string,
    fieldSeparator: string,
    signal: AbortSignal,
    timeoutMs: number,
  ): Promise<{ rows: string; error?: string } | 'exited' | 'timeout'> {
    const mark = `__recio_${randomBytes(8).toString('hex')}`;
    this.stdout = '';
    this.child.stdin.write(`\\pset fieldsep '${fieldSeparator}'\n${sql};\n\\echo ${mark} :ERROR :LAST_ERROR_MESSAGE\n`);
    return new Promise((resolve) => {
      // The timer keeps the process alive while a query is pending (the streams are unref'd).
      const timer = setTimeout(() => finish('timeout'), Math.max(1, timeoutMs));
      const onAbort = () => finish('timeout');
      signal.addEventListener('abort', onAbort, { once: true });
      const finish = (value: { rows: string; error?: string } | 'exited' | 'timeout') => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiter = undefined;
        resolve(value);
      };
      this.waiter = () => {
        const at = this.stdout.indexOf(`${mark} `);
        if (at >= 0 && this.stdout.indexOf('\n', at) > 0) {
          const [flag = '', ...message] = this.stdout
            .slice(at + mark.length + 1, this.stdout.indexOf('\n', at))
            .split(' ');
          const rows = this.stdout.slice(0, at);
          finish(flag === 'true' ? { rows, error: message.join(' ') } : { rows });
        } else if (this.exited) finish('exited');
      };
      this.waiter();
    });
  }

  lastStderr(): string {
    return this.stderr.trim();
  }

  kill() {
    this.exited = true;
    this.child.kill('SIGKILL');
  }

  close() {
    this.child.stdin.end();
  }
}

const sessions = new Map<string, { process?: PsqlProcess; queue: Promise<unknown> }>();

/**
 * A probe's query on the session's psql, as an ArgvResult so callers read it like `psql -c`: exit 0
 * and the rows, exit 1 and the error for a failed statement, psql's own exit and stderr when it
 * could not connect. A psql found dead (the server restarted) is replaced and the read asked again
 * once: probes only read, so asking again is safe.
 */
export async function probeQuery(ctx: ActionContext, sql: string, fieldSeparator = '|'): Promise<ArgvResult> {
  const argv = ctx.config.db.psql;
  if (!ctx.config.db.probeSession) {
    return ctx.run([...argv, '-At', '-F', fieldSeparator, '-v', 'ON_ERROR_STOP=1', '-c', sql], {
      env: ctx.config.db.env,
    });
  }
  const key = JSON.stringify([argv, ctx.config.db.env]);
  const slot = sessions.get(key) ?? { queue: Promise.resolve() };
  sessions.set(key, slot);
  const run = slot.queue.then(() => runOnSession(ctx, slot, sql, fieldSeparator));
  slot.queue = run.catch(() => undefined);
  return run;
}

async function runOnSession(
  ctx: ActionContext,
  slot: { process?: PsqlProcess },
  sql: string,
  fieldSeparator: string,
): Promise<ArgvResult> {
  const started = performance.now();
  const argv = [...ctx.config.db.psql, '(session)'];
  const result = (fields: Partial<ArgvResult>): ArgvResult => ({
    argv,
    exitCode: 0,
    stdout: '',
    stderr: '',
    timedOut: false,
    durationMs: Math.round(performance.now() - started),
    ...fields,
  });
  for (let attempt = 0; attempt < 2; attempt++) {
    const reused = slot.process !== undefined && !slot.process.exited;
    if (!reused) slot.process = new PsqlProcess(ctx.config.db.psql, ctx.config.db.env);
    const psql = slot.process as PsqlProcess;
    const answer = await psql.query(sql, fieldSeparator, ctx.signal, ctx.deadline - Date.now());
    if (answer === 'timeout') {
      psql.kill();
      return result({ exitCode: 124, timedOut: true, stderr: psql.lastStderr() });
    }
    if (answer !== 'exited') {
      return answer.error === undefined
        ? result({ stdout: answer.rows })
        : result({ exitCode: 1, stdout: answer.rows, stderr: `ERROR:  ${answer.error}` });
    }
    // Died under a reused connection: a fresh psql gets one more try. A fresh one that died could not connect.
    if (!reused) return result({ exitCode: psql.child.exitCode ?? 2, stderr: psql.lastStderr() });
  }
  return result({ exitCode: 2, stderr: slot.process?.lastStderr() ?? 'psql exited' });
}

/** Ends every session psql (the agent's SSH session is over). */
export function closeProbeSessions(): void {
  for (const slot of sessions.values()) slot.process?.close();
  sessions.clear();
}
