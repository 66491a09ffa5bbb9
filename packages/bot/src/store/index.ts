// The store's public face: everything outside src/store imports from here, never a file inside.
export {
  openStore,
  runMigrations,
  pendingMigrations,
  verifyAuditChain,
  anchorAuditHead,
  storeOptionsFromConfig,
  type OpenStoreOptions,
  type Store,
} from './open-store.js';
export type { Repos } from './repos.js';
export type { StoreLogger } from './logger.js';
export type { MigrationReport } from './migrate.js';
export type { Leadership } from './leadership.js';
export type { AuditVerdict } from './audit-verify.js';
export { anchorFileFor, readAnchors, type AuditAnchor } from './audit-anchors.js';
export type { RecoveredStep, RecoveryOptions, RecoveryReport } from './recovery.js';
export type { DeliveryClaim, DeliveryKind, DeliveriesRepo } from './deliveries.js';
export type { AuditEntry, AuditInput, AuditRepo } from './audit.js';
export type { CreateRunInput, RunsRepo, StepInput } from './runs.js';
export type { StepClaim, StepFinish, StepsRepo } from './steps.js';
export { bindingHash, type ApprovalsRepo } from './approvals.js';
export type { BreakGlassRepo, BreakRefusal, BreakResult, ReviewResult } from './break-glass.js';
export type { IncidentsRepo, OpenIncidentInput } from './incidents.js';
export type { TimelineEvent, TimelineInput, TimelineRepo } from './timeline.js';
export type { EnqueueInput, OutboxKind, OutboxMessage, OutboxPayload, OutboxRepo, OutboxState } from './outbox.js';
export type { DoctorReportsRepo } from './doctor-reports.js';
export type { BackupCheck, BackupChecksRepo, BackupJob } from './backup-checks.js';
export type { DeployHead, DeployHistoryRepo, DeployState } from './deploy-history.js';
export type { LockAttempt, LockRequest, LocksRepo, ServiceLock } from './locks.js';
