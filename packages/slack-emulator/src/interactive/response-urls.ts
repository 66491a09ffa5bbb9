import { readMessageContent } from '../block-kit/message.js';
import type { Clock } from '../clock.js';
import type { IdSource } from '../ids.js';
import {
  deleteEphemeral,
  deleteMessage,
  postEphemeral,
  postMessage,
  replaceEphemeral,
  updateMessage,
} from '../messaging.js';
import type { ResponseUrlPostRecord } from '../records.js';
import type { EmulatorCore } from '../web-api/context.js';

/**
 * response_url: every slash command and message interaction carries a URL the app can POST a JSON
 * message to "up to 5 times within 30 minutes". The body decides what Slack does:
 * `delete_original` / `replace_original` act on the message the interaction came from; otherwise
 * `response_type: "in_channel"` posts to the conversation and the default ("ephemeral") shows the
 * message to the invoking user only.
 */
export interface ResponseUrlTarget {
  kind: 'commands' | 'actions';
  userId: string;
  channel: string;
  deliveryId?: string;
  /** The message the interaction came from, for replace_original / delete_original. */
  source?: { ephemeral: boolean; channel: string; ts: string; threadTs?: string };
}

interface Issued extends ResponseUrlTarget {
  url: string;
  issuedAt: number;
  uses: number;
}

export interface ResponseUrlAnswer {
  status: number;
  body: { ok: boolean; error?: string; response_metadata?: { messages: string[] } };
}

export class ResponseUrls {
  private readonly issued = new Map<string, Issued>();
  private counter = 0;

  constructor(
    private readonly clock: Clock,
    private readonly ids: IdSource,
    private readonly limits: { maxUses: number; ttlMs: number },
  ) {}

  issue(core: EmulatorCore, target: ResponseUrlTarget): string {
    this.counter += 1;
    const path = `/${target.kind}/${core.workspace.team.id}/${this.counter}/${this.ids.secret(18)}`;
    const url = `${core.baseUrl()}${path}`;
    this.issued.set(path, { ...target, url, issuedAt: this.clock.now(), uses: 0 });
    return url;
  }

  isResponseUrlPath(path: string): boolean {
    return this.issued.has(path) || /^\/(commands|actions)\//.test(path);
  }

  handle(core: EmulatorCore, path: string, rawBody: string): ResponseUrlAnswer {
    const issued = this.issued.get(path);
    const post: ResponseUrlPostRecord = { url: issued?.url ?? path, at: this.clock.now(), body: rawBody, ok: false };
    if (issued?.deliveryId) post.deliveryId = issued.deliveryId;
    const answer = this.apply(core, issued, rawBody, post);
    post.ok = answer.body.ok;
    if (answer.body.error) post.error = answer.body.error;
    core.state.responseUrlPosts.push(post);
    core.state.emit({ type: 'response_url_post', post });
    return answer;
  }

  private apply(
    core: EmulatorCore,
    issued: Issued | undefined,
    rawBody: string,
    post: ResponseUrlPostRecord,
  ): ResponseUrlAnswer {
    const fail = (status: number, error: string, messages?: string[]): ResponseUrlAnswer => ({
      status,
      body: { ok: false, error, ...(messages ? { response_metadata: { messages } } : {}) },
    });
    if (!issued) return fail(404, 'invalid_url');
    if (issued.uses >= this.limits.maxUses || this.clock.now() - issued.issuedAt > this.limits.ttlMs) {
      return fail(404, 'expired_url');
    }
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(rawBody);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail(400, 'invalid_payload');
      body = parsed as Record<string, unknown>;
    } catch {
      return fail(400, 'invalid_payload');
    }
    post.body = body;
    issued.uses += 1;
    const source = issued.source;
    if (body.delete_original === true || body.delete_original === 'true') {
      if (!source) return fail(400, 'no_original_message');
      if (source.ephemeral) {
        const eph = core.state.ephemeral(source.channel, source.ts);
        if (!eph || eph.deleted) return fail(404, 'message_not_found');
        deleteEphemeral(core, eph);
      } else {
        const msg = core.state.message(source.channel, source.ts);
        if (!msg || msg.deleted) return fail(404, 'message_not_found');
        deleteMessage(core, msg);
      }
      post.effect = 'deleted';
      return { status: 200, body: { ok: true } };
    }
    const read = readMessageContent(body, { requireContent: true });
    if (!read.ok) return fail(400, read.error, read.messages);
    if (body.replace_original === true || body.replace_original === 'true') {
      if (!source) return fail(400, 'no_original_message');
      if (source.ephemeral) {
        const eph = core.state.ephemeral(source.channel, source.ts);
        if (!eph) return fail(404, 'message_not_found');
        replaceEphemeral(core, eph, read.content);
      } else {
        const msg = core.state.message(source.channel, source.ts);
        if (!msg || msg.deleted) return fail(404, 'message_not_found');
        // Replacing is whole-message: what the body leaves out is gone, unlike chat.update.
        updateMessage(core, msg, { text: '', blocks: [], attachments: [], ...read.content }, core.workspace.bot.userId);
      }
      post.effect = 'replaced';
      return { status: 200, body: { ok: true } };
    }
    const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : source?.threadTs;
    if (body.response_type === 'in_channel') {
      postMessage(core, {
        channel: issued.channel,
        content: read.content,
        via: 'response_url',
        ...(threadTs ? { threadTs } : {}),
      });
      post.effect = 'in_channel';
    } else {
      postEphemeral(core, {
        channel: issued.channel,
        user: issued.userId,
        content: read.content,
        via: 'response_url',
        ...(threadTs ? { threadTs } : {}),
      });
      post.effect = 'ephemeral';
    }
    return { status: 200, body: { ok: true } };
  }
}
