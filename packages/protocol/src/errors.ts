/**
 * Every error recio-bot raises on purpose carries one of these codes. One handler (per edge: Slack,
 * CLI, agent) turns a code into the short answer a person sees; anything without a code is wrapped
 * as `internal` with a reference id so the person can quote it and we can find the stack.
 */
export const ErrorCode = {
  ConfigInvalid: 'config_invalid',
  NotAuthorised: 'not_authorised',
  ApprovalExpired: 'approval_expired',
  ApprovalMismatch: 'approval_mismatch',
  ApprovalDecided: 'approval_decided',
  SelfApproval: 'self_approval',
  HostKeyMismatch: 'host_key_mismatch',
  HostUnreachable: 'host_unreachable',
  UnknownHost: 'unknown_host',
  UnknownService: 'unknown_service',
  UnknownAction: 'unknown_action',
  InvalidParams: 'invalid_params',
  InvalidRequest: 'invalid_request',
  ProtocolMismatch: 'protocol_mismatch',
  StepTimeout: 'step_timeout',
  ActionFailed: 'action_failed',
  StoreUnavailable: 'store_unavailable',
  MigrationFailed: 'migration_failed',
  AlreadyClaimed: 'already_claimed',
  Locked: 'locked',
  NotFound: 'not_found',
  Internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Where an error happened, when we know it. */
export interface ErrorContext {
  runId?: string;
  stepId?: string;
  host?: string;
  [key: string]: unknown;
}

export class RecioError extends Error {
  override readonly name = 'RecioError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly context: ErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isRecioError(error: unknown, code?: ErrorCode): error is RecioError {
  return error instanceof RecioError && (code === undefined || error.code === code);
}

/** Keeps a known error as it is; wraps anything else as `internal`, the original kept as `cause`. */
export function toRecioError(error: unknown, context: ErrorContext = {}): RecioError {
  if (error instanceof RecioError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new RecioError(ErrorCode.Internal, message, context, { cause: error });
}
