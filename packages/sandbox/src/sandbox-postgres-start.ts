import { freePort } from '@recio/os/ports';
import { ensureRepoConfig } from './sandbox-files.js';
import type { SandboxPaths } from './sandbox-paths.js';
import { ensureCluster, portTakenAtStart } from './sandbox-postgres.js';
import { type SandboxState, writeState } from './sandbox-state.js';
import type { UnixAccount } from './sandbox-user.js';

/** Moves of the port before `up` gives up: each is a fresh pick, so a second clash is already rare. */
const MAX_PORT_MOVES = 3;

/**
 * Starts the cluster; when another process bound its port between `up` choosing it and the server
 * binding it (initdb alone leaves seconds for that on a busy machine), moves it to a free port and
 * starts again. Returns the state with the port the server listens on.
 */
export async function startPostgres(
  paths: SandboxPaths,
  initial: SandboxState,
  user: UnixAccount,
  say: (line: string) => void,
  start: typeof ensureCluster = ensureCluster,
): Promise<SandboxState> {
  let state = initial;
  for (let moves = 0; ; moves++) {
    try {
      say(`postgres: ${await start(paths, state, user)} on 127.0.0.1:${state.ports.postgres}`);
      return state;
    } catch (error) {
      const taken = portTakenAtStart(error);
      if (taken === undefined || moves >= MAX_PORT_MOVES) throw error;
      state = { ...state, ports: { ...state.ports, postgres: await freePort() } };
      say(
        `postgres: port ${taken} was taken by another process as the server started; moving to ${state.ports.postgres}`,
      );
    }
    // The programs read the port from the repo's .env: both move before the next start.
    writeState(paths, state);
    ensureRepoConfig(paths, state, user);
  }
}
