import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { livePid, spawnDetached, stopPid } from './detached-process.js';
import { scriptArgv } from './sandbox-binaries.js';
import { logFileOf, pidFileOf, type SandboxPaths } from './sandbox-paths.js';
import { PROVIDERS, type ProviderName, type SandboxState } from './sandbox-state.js';
import type { UnixAccount } from './sandbox-user.js';
import { writeIfChanged } from './write-if-changed.js';

/** The processes `up` runs beside supervisord: the two provider stand-ins and the web UI. */
export const DETACHED_SERVICES = ['kalshi', 'coinbase', 'web'] as const;
export type DetachedService = (typeof DETACHED_SERVICES)[number];

/** How a provider stand-in answers: normally, 503 on every endpoint, or never. */
export type ProviderMode = 'ok' | '503' | 'hang';

export function controlFileOf(paths: SandboxPaths, provider: ProviderName): string {
  return join(paths.controlDir, `${provider}.mode`);
}

export function readProviderMode(paths: SandboxPaths, provider: ProviderName): ProviderMode {
  try {
    const text = readFileSync(controlFileOf(paths, provider), 'utf8').trim();
    return text === '503' || text === 'hang' ? text : 'ok';
  } catch {
    // No control file: the provider is healthy.
    return 'ok';
  }
}

/** Flips a stand-in's behaviour; it reads the file on every request, so the change is immediate. */
export function setProviderMode(paths: SandboxPaths, provider: ProviderName, mode: ProviderMode): void {
  writeIfChanged(controlFileOf(paths, provider), `${mode}\n`, 0o644);
}

function argvOf(paths: SandboxPaths, state: SandboxState, service: DetachedService): string[] {
  if (service === 'web') return scriptArgv('web-ui-server', '--port', String(state.ports.web), '--repo', paths.repo);
  return scriptArgv(
    'provider-stand-in',
    '--name',
    service,
    '--port',
    String(state.ports[service]),
    '--control',
    controlFileOf(paths, service),
  );
}

export function servicePid(paths: SandboxPaths, service: DetachedService): number | undefined {
  return livePid(pidFileOf(paths, service), paths.dir);
}

/** Starts whichever of the three is not running (as the REC.IO user); returns the ones it started. */
export function ensureDetachedServices(paths: SandboxPaths, state: SandboxState, user: UnixAccount): DetachedService[] {
  // A missing control file means "ok"; written anyway so an operator sees where to flip it.
  for (const provider of PROVIDERS)
    if (!existsSync(controlFileOf(paths, provider))) setProviderMode(paths, provider, 'ok');
  const started: DetachedService[] = [];
  for (const service of DETACHED_SERVICES) {
    if (servicePid(paths, service) !== undefined) continue;
    spawnDetached({
      argv: argvOf(paths, state, service),
      pidFile: pidFileOf(paths, service),
      logFile: logFileOf(paths, service),
      dir: paths.dir,
      runAs: user,
      cwd: service === 'web' ? paths.repo : paths.dir,
      env: { HOME: paths.homeDir },
    });
    started.push(service);
  }
  return started;
}

export async function stopDetachedServices(paths: SandboxPaths): Promise<Array<{ component: string; pid: number }>> {
  const stopped: Array<{ component: string; pid: number }> = [];
  for (const service of DETACHED_SERVICES) {
    const pid = servicePid(paths, service);
    if (pid === undefined) continue;
    await stopPid(pid, 'SIGTERM', 5_000);
    stopped.push({ component: service, pid });
  }
  return stopped;
}
