import { execa } from 'execa';
import { PROTOCOL_VERSION } from '@recio/protocol/messages';
import { resolveOnSecurePath } from './sudo-rules.js';

export interface AgentCheck {
  ok: boolean;
  /** One line for the install's output: what worked, or what failed and what to do. */
  message: string;
}

interface ResultLine {
  type: 'result';
  ok: boolean;
  data?: { programs?: Array<{ name: string; state: string }> };
  error?: { code: string; message: string };
}

/**
 * Runs the installed launcher as the agent's user, the way sshd will (a minimal environment, the
 * user's own groups), with a `service.status` request: proves the launcher, node, the package and
 * the config are all readable by that user, and that it can reach supervisord.
 */
export async function verifyAgent(user: string, launcher: string, configPath: string): Promise<AgentCheck> {
  const request = JSON.stringify({ v: PROTOCOL_VERSION, id: 'install-check', action: 'service.status', params: {} });
  // Found along root's sbin paths: the child's own PATH below is the minimal one sshd gives.
  const runuser = resolveOnSecurePath('runuser') ?? '/usr/sbin/runuser';
  const result = await execa(runuser, ['-u', user, '--', launcher, '--config', configPath], {
    input: `${request}\n`,
    reject: false,
    timeout: 30_000,
    extendEnv: false,
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8' },
  });
  const line = result.stdout
    .split('\n')
    .map(parse)
    .find((l): l is ResultLine => l?.type === 'result');
  if (line === undefined) {
    const why = (result.stderr || result.stdout || result.shortMessage || '').trim().split('\n').slice(-3).join(' | ');
    return {
      ok: false,
      message:
        `✖ the agent did not answer as ${user} (exit ${result.exitCode}): ${why}. ` +
        `Can ${user} read the launcher, node and the package?`,
    };
  }
  if (!line.ok) {
    const message = line.error?.message ?? 'failed';
    const hint = /permission denied|errno 13/i.test(message)
      ? ` — give ${user} the supervisor socket: in supervisord.conf [unix_http_server] ` +
        `set chown=root:${user} and chmod=0770, then restart supervisord`
      : '';
    return { ok: false, message: `✖ service.status as ${user}: ${message.split('\n')[0]}${hint}` };
  }
  const programs = line.data?.programs ?? [];
  const summary = programs.map((p) => `${p.name} ${p.state}`).join(', ');
  return {
    ok: true,
    message: `✔ agent answers as ${user}: ${programs.length} programs${summary ? ` (${summary})` : ''}`,
  };
}

function parse(text: string): { type?: string } | undefined {
  try {
    return JSON.parse(text) as { type?: string };
  } catch {
    // A line that is not JSON (a warning node printed) is not the result: skip it.
    return undefined;
  }
}
