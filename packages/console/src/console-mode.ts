import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { readManifest, startSlackEmulator, type SlackEmulator } from '@recio/slack-emulator/index';
import { defaultConsoleSeed, roleMembersOf, startConsole, workspaceSeedOf } from './index.js';
import type { ConsoleModeInfo, PracticeAnswer } from './mode.js';
import { loadPractice, type Practice } from './practice.js';

/** Where `recio sandbox up` leaves the env that points the bot at the sandbox REC.IO. */
export const SANDBOX_ENV = '.sandbox/recio.env';
/** The app's manifest in the checkout the console runs from (two folders above src/ and dist/). */
export const MANIFEST = resolve(import.meta.dirname, '../../../manifest.yml');

const NOTHING = 'none — nothing is watched';
const TRY_IT = 'Try /recio status — or /recio drill service-crash, and watch recio find a crash and fix it.';
const HOW_TO_REAL_HOSTS =
  'To watch real hosts: set RECIO_FLEET (a fleet file) and RECIO_SSH_KEY, ' +
  'or RECIO_AGENT_CONFIG for REC.IO on this host, then npm start again (docs/operate.md).';

/** Which REC.IO the bot is pointed at, and whether its monitor has anything to watch. */
interface Hosts {
  env: Record<string, string>;
  label: string;
  watch: boolean;
}

export interface ConsoleMode {
  emulator: SlackEmulator;
  url: string;
  /** Environment for the bot: the emulator as Slack, the console's people as role holders, the hosts. */
  env: Record<string, string | undefined>;
  label: string;
  /** False when there is no REC.IO to watch: the bot then starts without its monitor. */
  watch: boolean;
  /**
   * Called when a practice REC.IO was started from the page after the bot started without one:
   * the bot restarts against `env` (what `env` above would have been with it).
   */
  onPracticeReady(handler: (env: Record<string, string | undefined>) => Promise<void>): void;
  close(): Promise<void>;
}

/**
 * `npm start` without Slack tokens: the same bot against the local console — a Slack emulation
 * served on 127.0.0.1 only — with the embedded store. Its hosts, in this order: a fleet file
 * (RECIO_FLEET); REC.IO on this host (RECIO_AGENT_CONFIG); else the practice REC.IO, the sandbox,
 * started (or found running) when this machine has its tools — or offered on the page, with what
 * it needs, when it lacks them or RECIO_CONSOLE_SANDBOX=ask; else nothing, and then nothing is
 * probed: a first run shows the product, not alarms about a system that is not there. The page
 * is served first, so the banner can say what is happening while the sandbox comes up.
 */
export async function startConsoleMode(env: Record<string, string | undefined>): Promise<ConsoleMode> {
  const seed = defaultConsoleSeed;
  const port = Number(env.PORT || 3000);
  const manifest = existsSync(MANIFEST) ? readManifest(MANIFEST) : undefined;
  const emulator = await startSlackEmulator({
    port,
    host: '127.0.0.1',
    workspace: workspaceSeedOf(seed),
    ...(manifest ? { manifest } : {}),
  });
  const store = env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL';
  const labelFor = (hosts: string) => `Local console — no Slack workspace; store: ${store}; hosts: ${hosts}`;
  const practice = await loadPractice();
  let readyHandler: ((env: Record<string, string | undefined>) => Promise<void>) | undefined;
  let practiceRunning = false;

  const page = await startConsole({
    emulator,
    seed,
    mode: { label: labelFor('looking…') },
    ...(practice ? { practice: () => startPracticeFromPage() } : {}),
    ...(manifest ? { commands: manifest.commands.map((c) => c.command) } : {}),
  });
  const show = (mode: ConsoleModeInfo) => page.setMode(mode);

  const withBotEnv = (hosts: Hosts): Record<string, string | undefined> => {
    const roles = roleMembersOf(seed);
    return {
      ...hosts.env,
      ...env,
      SLACK_BOT_TOKEN: emulator.tokens.bot,
      SLACK_APP_TOKEN: emulator.tokens.app,
      SLACK_API_URL: emulator.apiUrl,
      // The bot's own routes (/healthz, /metrics) on any free loopback port (its log names it): a
      // guessed "next port" may be taken, and the bot would not start.
      PORT: env.RECIO_CONSOLE_BOT_PORT || '0',
      RECIO_OPS_CHANNEL: env.RECIO_OPS_CHANNEL || seed.channels[0]!.id,
      RECIO_LEAD_OPERATORS: env.RECIO_LEAD_OPERATORS || (roles.lead_operator ?? []).join(','),
      RECIO_SYSTEM_ARCHITECTS: env.RECIO_SYSTEM_ARCHITECTS || (roles.system_architect ?? []).join(','),
      RECIO_SECURITY_OFFICERS: env.RECIO_SECURITY_OFFICERS || (roles.security_officer ?? []).join(','),
    };
  };

  /** The sandbox, up (started now, or found running); else why not (also shown in the banner). */
  async function upSandbox(p: Practice): Promise<Hosts | string> {
    show({ label: labelFor('starting the practice REC.IO…'), practice: { state: 'starting' } });
    const result = await p.up((line) =>
      show({ label: labelFor('starting the practice REC.IO…'), practice: { state: 'starting', message: line } }),
    );
    if (!result.ok) {
      show({
        label: labelFor(NOTHING),
        hint: HOW_TO_REAL_HOSTS,
        practice: { state: 'failed', message: `The practice REC.IO did not start: ${result.message}` },
      });
      return result.message;
    }
    practiceRunning = true;
    return { env: sandboxEnvFile(), label: labelFor(`the practice REC.IO (sandbox, ${SANDBOX_ENV})`), watch: true };
  }

  async function startPracticeFromPage(): Promise<PracticeAnswer> {
    if (!practice) return { ok: false, message: 'The sandbox package is not installed here.' };
    if (practiceRunning) return { ok: true, message: 'The practice REC.IO is running.' };
    const { needs, packages } = practice.missing();
    if (needs.length > 0) {
      const message = `It needs ${needs.join(', ')}: sudo apt-get install -y ${packages.join(' ')}, then click again.`;
      show({ label: labelFor(NOTHING), hint: HOW_TO_REAL_HOSTS, practice: { state: 'offered', needs, message } });
      return { ok: false, message };
    }
    const hosts = await upSandbox(practice);
    if (typeof hosts === 'string') return { ok: false, message: `The practice REC.IO did not start: ${hosts}` };
    show({ label: `${hosts.label} — restarting recio against it…`, practice: { state: 'running' } });
    await readyHandler?.(withBotEnv(hosts));
    show({ label: hosts.label, hint: TRY_IT, practice: { state: 'running' } });
    return { ok: true, message: 'The practice REC.IO is up; recio watches it now.' };
  }

  async function chooseHosts(): Promise<Hosts> {
    if (env.RECIO_FLEET) return { env: {}, label: labelFor(`fleet file ${env.RECIO_FLEET}`), watch: true };
    if (env.RECIO_AGENT_CONFIG) return { env: {}, label: labelFor('this host (local agent config)'), watch: true };
    if (practice) {
      const { needs, packages } = practice.missing();
      if (needs.length === 0 && env.RECIO_CONSOLE_SANDBOX === 'ask') {
        const message = 'Nothing is watched until you start one (about 10 s the first time).';
        show({ label: labelFor(NOTHING), hint: HOW_TO_REAL_HOSTS, practice: { state: 'offered', message } });
      } else if (needs.length === 0) {
        const hosts = await upSandbox(practice);
        if (typeof hosts !== 'string') return hosts;
      } else {
        const message =
          `A practice REC.IO (the sandbox) needs ${needs.join(', ')}: ` +
          `sudo apt-get install -y ${packages.join(' ')}`;
        show({ label: labelFor(NOTHING), hint: HOW_TO_REAL_HOSTS, practice: { state: 'offered', needs, message } });
      }
    }
    return { env: {}, label: labelFor(NOTHING), watch: false };
  }

  let hosts: Hosts;
  try {
    hosts = await chooseHosts();
  } catch (error) {
    await page.close();
    await emulator.close();
    throw error;
  }
  if (hosts.watch)
    show({ label: hosts.label, ...(practiceRunning ? { hint: TRY_IT, practice: { state: 'running' } } : {}) });
  else if (!practice) show({ label: hosts.label, hint: HOW_TO_REAL_HOSTS });
  return {
    emulator,
    url: page.url,
    label: hosts.label,
    env: withBotEnv(hosts),
    watch: hosts.watch,
    onPracticeReady(handler) {
      readyHandler = handler;
    },
    async close() {
      await page.close();
      await emulator.close();
    },
  };
}

function sandboxEnvFile(): Record<string, string> {
  const path = resolve(SANDBOX_ENV);
  return existsSync(path) ? parseDotenv(readFileSync(path)) : {};
}
