import { EventEmitter } from 'node:events';
import { compareTs } from './ids.js';
import type {
  ApiCallRecord,
  DeliveryRecord,
  EmulatorChange,
  EphemeralRecord,
  FileRecord,
  MessageRecord,
  ResponseUrlPostRecord,
  ViewRecord,
} from './records.js';

/**
 * The recorded state of the emulated workspace, and the queries tests and the console ask of it.
 * Every mutation emits an {@link EmulatorChange} so a page can stream the workspace live.
 */
export class EmulatorState {
  readonly messages: MessageRecord[] = [];
  readonly ephemerals: EphemeralRecord[] = [];
  readonly views = new Map<string, ViewRecord>();
  /** Open modal stack per user, root first. */
  readonly modalStacks = new Map<string, string[]>();
  /** Published Home tab per user. */
  readonly homes = new Map<string, string>();
  readonly fileRecords = new Map<string, FileRecord>();
  readonly calls: ApiCallRecord[] = [];
  readonly responseUrlPosts: ResponseUrlPostRecord[] = [];
  readonly deliveries: DeliveryRecord[] = [];
  private readonly emitter = new EventEmitter();

  constructor() {
    // A console may hold many subscribers (one per open page); none of them is a leak.
    this.emitter.setMaxListeners(0);
  }

  /** Listen to every change; returns the function that stops listening. */
  subscribe(listener: (change: EmulatorChange) => void): () => void {
    this.emitter.on('change', listener);
    return () => this.emitter.off('change', listener);
  }

  emit(change: EmulatorChange): void {
    this.emitter.emit('change', change);
  }

  /** Visible messages of a conversation (top-level and replies), oldest first. */
  messagesIn(channel: string, options: { topLevelOnly?: boolean; includeDeleted?: boolean } = {}): MessageRecord[] {
    return this.messages
      .filter((m) => m.channel === channel && m.unseen === undefined)
      .filter((m) => options.includeDeleted || !m.deleted)
      .filter((m) => !options.topLevelOnly || m.threadTs === undefined || m.replyBroadcast)
      .sort((a, b) => compareTs(a.ts, b.ts));
  }

  message(channel: string, ts: string): MessageRecord | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts);
  }

  /** A thread as conversations.replies returns it: the parent, then its replies, oldest first. */
  thread(channel: string, ts: string): MessageRecord[] {
    const parent = this.message(channel, ts);
    if (!parent || parent.deleted) return [];
    const replies = this.messages
      .filter((m) => m.channel === channel && m.threadTs === ts && m.ts !== ts && !m.deleted && !m.unseen)
      .sort((a, b) => compareTs(a.ts, b.ts));
    return [parent, ...replies];
  }

  repliesTo(channel: string, ts: string): MessageRecord[] {
    return this.thread(channel, ts).slice(1);
  }

  /** Ephemeral messages one user has seen (optionally in one conversation), oldest first. */
  ephemeralsFor(user: string, channel?: string): EphemeralRecord[] {
    return this.ephemerals
      .filter((e) => e.user === user && !e.deleted && (channel === undefined || e.channel === channel))
      .filter((e) => e.unseen === undefined)
      .sort((a, b) => compareTs(a.ts, b.ts));
  }

  /**
   * What Slack accepted (ok: true) but nobody will ever see: ephemerals aimed at a thread that is
   * not active, replies to a thread_ts that names no message. A bot that sends these is wrong.
   */
  unseen(): Array<MessageRecord | EphemeralRecord> {
    return [...this.messages, ...this.ephemerals].filter((m) => m.unseen !== undefined);
  }

  ephemeral(channel: string, ts: string): EphemeralRecord | undefined {
    return this.ephemerals.find((e) => e.channel === channel && e.ts === ts);
  }

  get files(): FileRecord[] {
    return [...this.fileRecords.values()];
  }

  file(id: string): FileRecord | undefined {
    return this.fileRecords.get(id);
  }

  /** The modal a user currently sees (top of the stack), if any. */
  openModal(user: string): ViewRecord | undefined {
    const stack = this.modalStacks.get(user) ?? [];
    const top = stack[stack.length - 1];
    return top === undefined ? undefined : this.views.get(top);
  }

  homeOf(user: string): ViewRecord | undefined {
    const id = this.homes.get(user);
    return id === undefined ? undefined : this.views.get(id);
  }

  /** The Web API call log, optionally for one method. */
  callsTo(method?: string): ApiCallRecord[] {
    return method === undefined ? [...this.calls] : this.calls.filter((c) => c.method === method);
  }

  delivery(id: string): DeliveryRecord | undefined {
    return this.deliveries.find((d) => d.id === id);
  }
}
