import type { ActionName } from '@recio/protocol/actions';
import type { ActionHandler } from './action-context.js';
import { backupCreate, backupList } from './actions/backup.js';
import { backupOffsite } from './actions/backup-offsite.js';
import { backupPrune } from './actions/backup-prune.js';
import { backupVerify } from './actions/backup-verify.js';
import { archiveList } from './actions/archive-list.js';
import { configArchive } from './actions/config-archive.js';
import { configRestore } from './actions/config-restore.js';
import { historyArchive } from './actions/history-archive.js';
import { dbRestart, dbStatus, dbTables } from './actions/db.js';
import { dbRestore } from './actions/db-restore.js';
import { dbPitrRestore, dbPitrWindow } from './actions/db-pitr.js';
import { dbRestoreOutcome } from './actions/db-restore-outcome.js';
import { dbRewind } from './actions/db-rewind.js';
import { deployCurrent, deployTags } from './actions/deploy.js';
import { deployRollback } from './actions/deploy-rollback.js';
import { eventsFollow } from './actions/events.js';
import { dbFreshness } from './actions/feeds.js';
import { agentInfo } from './actions/info.js';
import { serviceRestart, serviceStart, serviceStop, serviceTail, serviceStatus } from './actions/service.js';

/**
 * One handler per action of the protocol's catalogue, typed against it: an action without a
 * handler, or a handler for an action the catalogue does not have, does not compile.
 */
export type ActionHandlers = { [A in ActionName]: ActionHandler<A> };

export const HANDLERS: ActionHandlers = {
  'service.status': serviceStatus,
  'service.start': serviceStart,
  'service.stop': serviceStop,
  'service.restart': serviceRestart,
  'service.tail': serviceTail,
  'db.status': dbStatus,
  'db.restart': dbRestart,
  'db.tables': dbTables,
  'db.freshness': dbFreshness,
  'backup.create': backupCreate,
  'backup.list': backupList,
  'db.restore': dbRestore,
  'db.pitr.window': dbPitrWindow,
  'db.pitr.restore': dbPitrRestore,
  'db.restore.outcome': dbRestoreOutcome,
  'db.rewind': dbRewind,
  'backup.prune': backupPrune,
  'backup.offsite': backupOffsite,
  'backup.verify': backupVerify,
  'config.archive': configArchive,
  'archive.list': archiveList,
  'config.restore': configRestore,
  'history.archive': historyArchive,
  'agent.info': agentInfo,
  'deploy.current': deployCurrent,
  'events.follow': eventsFollow,
  'deploy.tags': deployTags,
  'deploy.rollback': deployRollback,
};
