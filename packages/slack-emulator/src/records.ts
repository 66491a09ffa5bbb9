/**
 * What the emulation remembers. Every record is kept (deleted messages are flagged, not dropped;
 * edits keep their earlier versions) so a test can assert on what happened, not only on the end state.
 */
export type Json = Record<string, unknown>;

export interface MessageVersion {
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
}

/** How a message came to be: a Web API call, a response_url POST, an ack body, a user, a file share. */
export type MessageOrigin = 'api' | 'response_url' | 'ack' | 'user' | 'file_share';

export interface MessageRecord extends MessageVersion {
  channel: string;
  ts: string;
  /** Parent ts for a thread reply; absent for a top-level message. */
  threadTs?: string;
  /** Author: the bot user for app posts, a human for user messages. */
  user: string;
  botId?: string;
  appId?: string;
  metadata?: unknown;
  files?: string[];
  replyBroadcast: boolean;
  edited?: { user: string; ts: string };
  deleted: boolean;
  reactions: Array<{ name: string; users: string[] }>;
  /** Earlier contents, oldest first. */
  history: MessageVersion[];
  via: MessageOrigin;
  /** Why Slack accepted it (ok: true) but nobody sees it, e.g. its thread_ts names no message. */
  unseen?: string;
}

export interface EphemeralRecord extends MessageVersion {
  channel: string;
  /** The one user who sees it. */
  user: string;
  ts: string;
  threadTs?: string;
  deleted: boolean;
  history: MessageVersion[];
  via: MessageOrigin;
  /** Why its user never sees it: "only shown if there is already an active thread". */
  unseen?: string;
}

export interface ViewRecord {
  id: string;
  type: 'modal' | 'home';
  userId: string;
  /** The view definition as the app last sent it. */
  view: Json;
  hash: string;
  rootViewId: string;
  previousViewId?: string;
  externalId?: string;
  state: { values: Record<string, Record<string, Json>> };
  status: 'open' | 'closed' | 'published';
  /** Errors from the last `response_action: "errors"` ack, keyed by input block_id. */
  errors?: Record<string, string>;
  /** Earlier definitions, oldest first. */
  history: Json[];
}

export interface FileRecord {
  id: string;
  /** Path of the one-off upload_url on the emulator. */
  uploadPath: string;
  filename: string;
  title?: string;
  declaredLength: number;
  content?: Buffer;
  altText?: string;
  snippetType?: string;
  uploaded: boolean;
  completed: boolean;
  channels: string[];
  threadTs?: string;
  initialComment?: string;
  created: number;
  user: string;
}

export interface ApiCallRecord {
  seq: number;
  at: number;
  method: string;
  /** Parsed arguments, token removed. */
  args: Json;
  tokenType?: 'bot' | 'app';
  httpStatus: number;
  ok: boolean;
  error?: string;
  response: Json;
}

export interface ResponseUrlPostRecord {
  url: string;
  deliveryId?: string;
  at: number;
  body: unknown;
  ok: boolean;
  error?: string;
  /** What Slack did with it. */
  effect?: 'ephemeral' | 'in_channel' | 'replaced' | 'deleted';
}

export type DeliveryKind =
  | 'slash_command'
  | 'block_actions'
  | 'view_submission'
  | 'view_closed'
  | 'event_callback'
  | 'url_verification';

export type DeliveryOutcome = 'pending' | 'acked' | 'timed_out' | 'rejected' | 'failed';

export interface DeliveryAttempt {
  retryNum: number;
  retryReason?: string;
  /** Epoch ms (emulation clock). */
  startedAt: number;
  /** HTTP status of the bot's answer (HTTP transport). */
  status?: number;
  /** Raw ack body (HTTP) or the ack's `payload` (Socket Mode). */
  responseBody?: string;
  ackPayload?: unknown;
  /** Measured wall time from send to ack. */
  ackMs?: number;
  outcome: DeliveryOutcome;
  error?: string;
}

export interface DeliveryRecord {
  id: string;
  kind: DeliveryKind;
  transport: 'http' | 'socket';
  payload: Json;
  /** Exactly the bytes sent (HTTP transport). */
  rawBody?: string;
  envelopeId?: string;
  triggerId?: string;
  responseUrl?: string;
  attempts: DeliveryAttempt[];
}

export type EmulatorChange =
  | { type: 'message' | 'message_changed' | 'message_deleted'; message: MessageRecord }
  | { type: 'ephemeral' | 'ephemeral_changed'; ephemeral: EphemeralRecord }
  | { type: 'reaction_added'; message: MessageRecord; name: string; user: string }
  | { type: 'view_opened' | 'view_updated' | 'view_closed' | 'home_published'; view: ViewRecord }
  | { type: 'file_shared'; file: FileRecord }
  | { type: 'api_call'; call: ApiCallRecord }
  | { type: 'delivery'; delivery: DeliveryRecord }
  | { type: 'response_url_post'; post: ResponseUrlPostRecord }
  /** An app connected or disconnected over Socket Mode; `connections` is how many are open now. */
  | { type: 'app_connection'; connections: number };
