import { readMessageContent } from '../block-kit/message.js';
import { validateView } from '../block-kit/views.js';
import { postEphemeral, postMessage } from '../messaging.js';
import type { DeliveryAttempt, DeliveryRecord, Json } from '../records.js';
import type { EmulatorCore } from '../web-api/context.js';
import { closeModalStack, pushModal, replaceViewDefinition } from '../web-api/views.js';

/**
 * What Slack does with the body of an ack, when the ack came in time:
 * - slash command: a non-empty body is an immediate response — ephemeral to the invoker unless
 *   `response_type: "in_channel"`; plain text is shown as an ephemeral message;
 * - view_submission: `response_action` errors | update | push | clear; an empty ack closes the view;
 * - url_verification: the body must echo the challenge.
 * Other acks carry nothing Slack reads.
 */
export function applyAck(core: EmulatorCore, delivery: DeliveryRecord, attempt: DeliveryAttempt): void {
  if (attempt.outcome !== 'acked') return;
  const body = ackBody(attempt);
  if (delivery.kind === 'slash_command') slashCommandAck(core, delivery, attempt, body);
  else if (delivery.kind === 'view_submission') viewSubmissionAck(core, delivery, attempt, body);
  else if (delivery.kind === 'url_verification') {
    const challenge = delivery.payload.challenge;
    const echoed = typeof body === 'string' ? body : (body as Json | undefined)?.challenge;
    if (echoed !== challenge) attempt.error = 'challenge_mismatch';
  }
}

/** HTTP acks arrive as text (maybe JSON); Socket Mode acks as the ack's `payload` object. */
function ackBody(attempt: DeliveryAttempt): Json | string | undefined {
  if (attempt.ackPayload !== undefined) {
    const p = attempt.ackPayload;
    if (typeof p === 'object' && p !== null && Object.keys(p).length === 0) return undefined;
    return p as Json;
  }
  const text = attempt.responseBody?.trim();
  if (!text) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Json) : text;
  } catch {
    return text;
  }
}

function slashCommandAck(
  core: EmulatorCore,
  delivery: DeliveryRecord,
  attempt: DeliveryAttempt,
  body: Json | string | undefined,
): void {
  if (body === undefined) return;
  const channel = String(delivery.payload.channel_id);
  const user = String(delivery.payload.user_id);
  const message = typeof body === 'string' ? { text: body } : body;
  const read = readMessageContent(message, { requireContent: true });
  if (!read.ok) {
    attempt.error = read.error;
    return;
  }
  if (typeof body !== 'string' && body.response_type === 'in_channel') {
    postMessage(core, { channel, content: read.content, via: 'ack' });
  } else {
    postEphemeral(core, { channel, user, content: read.content, via: 'ack' });
  }
}

function viewSubmissionAck(
  core: EmulatorCore,
  delivery: DeliveryRecord,
  attempt: DeliveryAttempt,
  body: Json | string | undefined,
): void {
  const viewId = String((delivery.payload.view as Json | undefined)?.id ?? '');
  const record = core.state.views.get(viewId);
  if (!record) return;
  const user = record.userId;
  const action = typeof body === 'object' ? body.response_action : undefined;
  if (action === undefined) {
    closeModalStack(core, user, 1);
    return;
  }
  if (action === 'errors') {
    // The modal stays open with each error shown under its input block.
    const errors = (body as Json).errors;
    record.errors = typeof errors === 'object' && errors !== null ? (errors as Record<string, string>) : {};
    core.state.emit({ type: 'view_updated', view: record });
    return;
  }
  if (action === 'clear') {
    closeModalStack(core, user);
    return;
  }
  if (action === 'update' || action === 'push') {
    const view = (body as Json).view;
    const problems = validateView(view, 'modal');
    if (problems.length > 0) {
      attempt.error = `invalid view in response_action: ${problems.join('; ')}`;
      return;
    }
    if (action === 'update') replaceViewDefinition(core, record, view as Json);
    else {
      try {
        pushModal(core, user, view as Json);
      } catch (error) {
        attempt.error = error instanceof Error ? error.message : String(error);
      }
    }
    return;
  }
  attempt.error = `unknown response_action ${String(action)}`;
}
