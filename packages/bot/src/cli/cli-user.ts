import { statSync } from 'node:fs';
import { userInfo } from 'node:os';

/**
 * Which unix user is at the terminal, from the OS (never from a flag): the process's own user.
 * One exception, for the documented `sudo -u recio-bot recio …` (the CLI needs the service's
 * environment and data dir): sudo records who called it in SUDO_USER/SUDO_UID. That is believed
 * only when this process runs as root or as the account that owns the data dir — an account that
 * can already do everything the bot can — so a user faking SUDO_USER in their own shell stays
 * themselves. RECIO_CLI_USERS then maps the name to a Slack id.
 */
export function cliUnixUser(env: NodeJS.ProcessEnv, dataDir: string | undefined): string {
  const me = userInfo();
  const sudoUser = env.SUDO_USER;
  const sudoUid = Number(env.SUDO_UID);
  if (!sudoUser || !Number.isInteger(sudoUid) || sudoUid === me.uid) return me.username;
  return me.uid === 0 || ownsDir(dataDir, me.uid) ? sudoUser : me.username;
}

function ownsDir(dir: string | undefined, uid: number): boolean {
  if (dir === undefined) return false;
  try {
    return statSync(dir).uid === uid;
  } catch {
    // No data dir (an external DATABASE_URL): only root's sudo caller is believed.
    return false;
  }
}
