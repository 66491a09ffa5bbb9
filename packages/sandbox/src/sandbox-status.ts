import { existsSync } from 'node:fs';
import { RECIO_PROGRAMS } from '@recio/agent/agent-config';
import { livePid } from './detached-process.js';
import { listDumps } from './sandbox-backups.js';
import { pidFileOf, sandboxPaths } from './sandbox-paths.js';
import { isAccepting, postmasterPid } from './sandbox-postgres.js';
import { readProviderMode, servicePid } from './sandbox-services.js';
import { PROVIDERS, readState } from './sandbox-state.js';
import { viewFaults, type FaultView } from './fault-effects.js';
import { programStatus } from './sandbox-supervisor.js';
import { BAD_TAG, currentRelease } from './release-repo.js';
import { answersOn, httpStatus } from './wait-for.js';
import { sandboxFromState } from './sandbox-handle.js';

/** One line of `recio sandbox status`. */
export interface ComponentStatus {
  name: string;
  ok: boolean;
  port?: number;
  pid?: number;
  detail: string;
}

export interface SandboxStatus {
  dir: string;
  /** A state file is there (a sandbox was made here). */
  exists: boolean;
  /** Every component ✔. */
  ok: boolean;
  components: ComponentStatus[];
  /** The checked-out release (`git describe --tags`). */
  release?: string;
  /** Faults injected and not healed with `heal`, each with whether its symptom is still there. */
  faults: FaultView[];
  backups: string[];
}

/** Looks at every component of the sandbox without changing any. */
export async function sandboxStatus(dir: string): Promise<SandboxStatus> {
  const paths = sandboxPaths(dir);
  const state = readState(paths);
  if (state === undefined) return { dir: paths.dir, exists: false, ok: false, components: [], faults: [], backups: [] };
  const sandbox = sandboxFromState(paths, state);
  const components: ComponentStatus[] = [];
  const pgPid = postmasterPid(paths);
  const accepting = await isAccepting(paths, state);
  components.push({
    name: 'postgres',
    ok: accepting,
    port: state.ports.postgres,
    ...(pgPid ? { pid: pgPid } : {}),
    detail: accepting ? 'accepting connections' : pgPid ? 'running but not accepting connections' : 'not running',
  });

  const supervisordPid = livePid(pidFileOf(paths, 'supervisord'), paths.dir);
  const programs = supervisordPid === undefined ? undefined : await programStatus(paths);
  components.push({
    name: 'supervisord',
    ok: programs !== undefined,
    ...(supervisordPid ? { pid: supervisordPid } : {}),
    detail: programs ? paths.supervisorSocket : supervisordPid ? 'socket not answering' : 'not running',
  });
  for (const name of RECIO_PROGRAMS) {
    const p = programs?.find((q) => q.name === name);
    const detail =
      p === undefined
        ? 'unknown'
        : p.state === 'RUNNING'
          ? `RUNNING, up ${p.uptime}`
          : `${p.state} ${p.description}`.trim();
    components.push({ name: `  ${name}`, ok: p?.state === 'RUNNING', ...(p?.pid ? { pid: p.pid } : {}), detail });
  }

  for (const provider of PROVIDERS) {
    const pid = servicePid(paths, provider);
    const mode = readProviderMode(paths, provider);
    const status = pid === undefined ? undefined : await httpStatus(sandbox.providers[provider].healthUrl, 1_500);
    const answer = status === undefined ? 'no answer' : `health ${status}`;
    components.push({
      name: `${provider} stand-in`,
      ok: status === 200,
      port: state.ports[provider],
      ...(pid ? { pid } : {}),
      detail: pid === undefined ? 'not running' : `mode ${mode}, ${answer}`,
    });
  }
  const webPid = servicePid(paths, 'web');
  const web = webPid === undefined ? undefined : await httpStatus(sandbox.webUrl, 3_000);
  components.push({
    name: 'web UI',
    ok: web === 200,
    port: state.ports.web,
    ...(webPid ? { pid: webPid } : {}),
    detail: webPid === undefined ? 'not running' : `/health ${web ?? 'no answer'}`,
  });

  const sshdPid = livePid(pidFileOf(paths, 'sshd'), paths.dir);
  const banner = sshdPid !== undefined && (await answersOn(state.ports.ssh, 'SSH-'));
  components.push({
    name: 'sshd',
    ok: banner,
    port: state.ports.ssh,
    ...(sshdPid ? { pid: sshdPid } : {}),
    detail: banner ? `${state.user.name}@127.0.0.1 → recio-agent` : sshdPid ? 'no SSH banner' : 'not running',
  });

  const release = existsSync(paths.repo) ? await currentRelease(paths, state.user) : undefined;
  components.push({
    name: 'release',
    ok: release !== undefined && release !== BAD_TAG,
    detail: release === undefined ? 'no checkout' : `${release} checked out in ${paths.repo}`,
  });

  return {
    dir: paths.dir,
    exists: true,
    ok: components.every((c) => c.ok),
    components,
    ...(release === undefined ? {} : { release }),
    faults: await viewFaults(paths, state),
    backups: listDumps(paths),
  };
}

function faultText(f: FaultView): string {
  return `${f.scenario} (${f.variant}: ${f.target}, since ${f.at}) ${f.inEffect ? 'in effect' : 'repaired'}`;
}

/** `recio sandbox status` as lines: ✔/✖, name, port, pid, what it said. */
export function formatSandboxStatus(status: SandboxStatus): string[] {
  if (!status.exists) return [`✖ no sandbox at ${status.dir} (recio sandbox up --dir ${status.dir})`];
  const lines = [`sandbox ${status.dir}`];
  for (const c of status.components) {
    const where = [c.port === undefined ? '' : `127.0.0.1:${c.port}`, c.pid === undefined ? '' : `pid ${c.pid}`]
      .filter((s) => s !== '')
      .join('  ');
    lines.push(`${c.ok ? '✔' : '✖'} ${c.name.padEnd(26)} ${where.padEnd(28)} ${c.detail}`);
  }
  lines.push(
    `  backups: ${status.backups.length === 0 ? 'none' : `${status.backups.length}, newest ${status.backups.at(-1)}`}`,
  );
  lines.push(`  faults:  ${status.faults.length === 0 ? 'none' : status.faults.map(faultText).join('; ')}`);
  return lines;
}
