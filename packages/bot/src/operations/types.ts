import type { HostResult } from '../hosts/transport.js';
import type { Actor, Origin, Run } from '../domain/index.js';
import type { DumpChoice } from './restore-requests.js';
import type { BackupCheck } from '../store/index.js';

/**
 * What the core answers. Slack renders these as ephemeral messages or modals; the CLI prints them.
 * Long-running work (runs) is told through the outbox as it happens, not in the answer.
 */
export type Answer =
  /**
   * `driving`: the decision moved a run on, driven by this process (its failure already logged and
   * told in the thread). Slack answers at once; the terminal waits for it, with progress.
   */
  | { type: 'text'; text: string; driving?: { runId: string; done: Promise<Run> } }
  | { type: 'denied'; text: string }
  | { type: 'help'; text: string }
  | { type: 'status'; results: HostResult[] }
  | { type: 'tail'; host: string; service: string; lines: string[]; ok: boolean; error?: string }
  /** The dumps (db hosts), the archives (§2.2, §2.3) and the nightly restore test's last result per host. */
  | { type: 'backups'; results: HostResult[]; archives?: HostResult[]; restoreTests?: BackupCheck[] }
  | { type: 'run'; run: Run; created: boolean; title: string; done: Promise<Run> }
  | { type: 'choose_tag' }
  /** `restore` without a file: the dumps the db host can restore, to pick from. */
  | { type: 'choose_dump'; host: string | null; dumps: DumpChoice[]; error?: string }
  | { type: 'choose_service'; verb: 'restart' | 'start' | 'stop'; services: readonly string[] }
  | { type: 'report'; incidentId: string; markdown: string };

/**
 * `/recio drill <scenario>`: starts a drill and answers at once; the result is told in the channel
 * when the drill ends (src/drills). Optional: a bot without it says drills are not available.
 */
export interface Drills {
  start(scenario: string, actor: Actor, origin: Origin): Promise<Answer>;
}
