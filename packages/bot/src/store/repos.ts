import { createApprovalsRepo, type ApprovalsRepo } from './approvals.js';
import { createAuditRepo, type AuditRepo } from './audit.js';
import { createBackupChecksRepo, type BackupChecksRepo } from './backup-checks.js';
import { createBreakGlassRepo, type BreakGlassRepo } from './break-glass.js';
import type { Db } from './db.js';
import { createDeployHistoryRepo, type DeployHistoryRepo } from './deploy-history.js';
import { createDoctorReportsRepo, type DoctorReportsRepo } from './doctor-reports.js';
import { createDeliveriesRepo, type DeliveriesRepo } from './deliveries.js';
import { createIncidentsRepo, type IncidentsRepo } from './incidents.js';
import { createLocksRepo, type LocksRepo } from './locks.js';
import { createOutboxRepo, type OutboxRepo } from './outbox.js';
import { createRunsRepo, type RunsRepo } from './runs.js';
import { createStepsRepo, type StepsRepo } from './steps.js';
import { createTimelineRepo, type TimelineRepo } from './timeline.js';

/** Every repository, bound either to the pool or to one transaction. */
export interface Repos {
  deliveries: DeliveriesRepo;
  audit: AuditRepo;
  runs: RunsRepo;
  steps: StepsRepo;
  approvals: ApprovalsRepo;
  incidents: IncidentsRepo;
  timeline: TimelineRepo;
  outbox: OutboxRepo;
  locks: LocksRepo;
  doctorReports: DoctorReportsRepo;
  backupChecks: BackupChecksRepo;
  breakGlass: BreakGlassRepo;
  deployHistory: DeployHistoryRepo;
}

export function createRepos(db: Db, instanceId: string): Repos {
  return {
    deliveries: createDeliveriesRepo(db, instanceId),
    audit: createAuditRepo(db),
    runs: createRunsRepo(db),
    steps: createStepsRepo(db, instanceId),
    approvals: createApprovalsRepo(db),
    incidents: createIncidentsRepo(db),
    timeline: createTimelineRepo(db),
    outbox: createOutboxRepo(db),
    locks: createLocksRepo(db, instanceId),
    doctorReports: createDoctorReportsRepo(db),
    backupChecks: createBackupChecksRepo(db),
    breakGlass: createBreakGlassRepo(db),
    deployHistory: createDeployHistoryRepo(db),
  };
}
