/**
 * Every Slack id the bot sends or listens for, in one place: a typo here is a button that does
 * nothing, so handlers and views import these and never spell an id themselves.
 * Button values carry only an opaque store id (approval, step, run, incident): never params.
 */
export const COMMAND = '/recio';

export const ActionId = {
  approve: 'recio_approve',
  deny: 'recio_deny',
  /** On an approval that has waited RECIO_BREAK_GLASS_AFTER_MINUTES: its requester runs it alone. */
  breakGlass: 'recio_break_glass',
  /** On a break-glass message and in the App Home: a security_officer or another lead reviews it. */
  reviewBreakGlass: 'recio_break_glass_review',
  confirmStep: 'recio_step_confirm',
  skipStep: 'recio_step_skip',
  /** Ends a retrying step's wait (its label says what follows: "Disable auto entry now"). */
  cutShort: 'recio_step_cut_short',
  cancelRun: 'recio_run_cancel',
  ackIncident: 'recio_incident_ack',
  runRecovery: 'recio_incident_recover',
  /** Run recovery when the incident's runbook restores a dump: opens the dump picker first. */
  runRecoveryPickDump: 'recio_incident_recover_pick_dump',
  /** Point-in-time restore (a runbook that restores a dump, and pitr-restore loaded): opens the target modal. */
  pitrRestore: 'recio_incident_pitr_restore',
  openChecklist: 'recio_incident_checklist',
  resolveIncident: 'recio_incident_resolve',
  rootCause: 'recio_incident_root_cause',
  /** The App Home's own buttons; their value is only `home` (what they start is fixed). */
  homeChecklist: 'recio_home_checklist',
  homeBackup: 'recio_home_backup',
  homeRestart: 'recio_home_restart',
  /** Start the next drill (the quarterly reminder, the App Home); the core picks the scenario, the value is fixed. */
  startDrill: 'recio_drill_start',
  /** Inputs inside modals (read from view state on submission, never routed as actions). */
  tagSelect: 'recio_tag_select',
  dumpSelect: 'recio_dump_select',
  pitrTarget: 'recio_pitr_target_text',
  tablesInput: 'recio_tables_input',
  serviceSelect: 'recio_service_select',
  hostSelect: 'recio_host_select',
  typedName: 'recio_typed_name',
  rootCauseText: 'recio_root_cause_text',
  followUpsText: 'recio_follow_ups_text',
  breakGlassReason: 'recio_break_glass_reason_text',
  breakGlassTarget: 'recio_break_glass_target_text',
  reviewNote: 'recio_break_glass_review_text',
} as const;
export type ActionId = (typeof ActionId)[keyof typeof ActionId];

export const CallbackId = {
  rollbackModal: 'recio_rollback_modal',
  restoreModal: 'recio_restore_modal',
  /** Run recovery's dump picker (an incident whose runbook has a db.restore step). */
  recoveryDumpModal: 'recio_recovery_dump_modal',
  /** Point-in-time restore's target: the proposed time, editable. */
  pitrModal: 'recio_pitr_modal',
  serviceModal: 'recio_service_modal',
  confirmApprovalModal: 'recio_confirm_approval_modal',
  rootCauseModal: 'recio_root_cause_modal',
  breakGlassModal: 'recio_break_glass_modal',
  reviewBreakGlassModal: 'recio_break_glass_review_modal',
  /** A modal that only says something (loading, or what went wrong); it has no submit. */
  noticeModal: 'recio_notice_modal',
  /** The App Home (a view too: its clicks arrive from a view container). */
  home: 'recio_home',
} as const;
export type CallbackId = (typeof CallbackId)[keyof typeof CallbackId];

export const BlockId = {
  tag: 'recio_tag',
  dump: 'recio_dump',
  pitrTarget: 'recio_pitr_target',
  tables: 'recio_tables',
  service: 'recio_service',
  host: 'recio_host',
  typedName: 'recio_typed_name',
  rootCause: 'recio_root_cause',
  followUps: 'recio_follow_ups',
  breakGlassReason: 'recio_break_glass_reason',
  breakGlassTarget: 'recio_break_glass_target',
  reviewNote: 'recio_break_glass_review_note',
  breakGlassActions: 'recio_break_glass_actions',
  /** One per unreviewed break-glass listed in the Home, `<prefix>_<n>`. */
  homeBreakGlassActions: 'recio_home_break_glass',
  runActions: 'recio_run_actions',
  /**
   * One per step waiting for a person, `<prefix>_<step index>`: an action_id must be unique within
   * its block, and parallel steps can wait at once (two Go ahead buttons in one block is invalid_blocks).
   */
  stepActions: 'recio_step',
  approvalActions: 'recio_approval_actions',
  incidentActions: 'recio_incident_actions',
  homeActions: 'recio_home_actions',
  drillActions: 'recio_drill_actions',
  /** One per incident listed in the Home: a view's block ids must be unique, so `<prefix>_<n>`. */
  homeIncidentActions: 'recio_home_incident',
} as const;
export type BlockId = (typeof BlockId)[keyof typeof BlockId];
