import { postMessage } from '../messaging.js';
import type { DeliveryRecord, Json, MessageRecord } from '../records.js';
import type { EmulatorCore } from '../web-api/context.js';
import { closeModalStack } from '../web-api/views.js';
import { viewJson } from '../web-api/shapes.js';
import type { SlackChannel, SlackUser } from '../workspace.js';
import { DELIVERY_SCOPES } from '../scopes.js';
import type { Deliverer, SendOptions } from './deliverer.js';
import { actionEntry, findElement, viewStateValues, type InputValue } from './element-state.js';
import {
  blockActionsPayload,
  eventCallbackPayload,
  messageEvent,
  slashCommandPayload,
  urlVerificationPayload,
  viewClosedPayload,
  viewSubmissionPayload,
  type ActionSource,
} from './payloads.js';
import { typedCommandText, typedMessageText } from './typed-text.js';

/**
 * What people do in Slack, turned into the deliveries Slack would make: typing a slash command,
 * clicking a button, submitting or closing a modal, writing a message that mentions the bot.
 * Anything Slack's own client would not allow (clicking a deleted message, submitting a modal
 * with a required field empty) throws instead of being sent.
 */
export class UserActions {
  constructor(
    private readonly core: EmulatorCore,
    private readonly deliverer: Deliverer,
    /** Events the app subscribes to besides app_mention (e.g. "message" for message.channels). */
    private readonly subscriptions: ReadonlySet<string>,
  ) {}

  private person(ref: string): SlackUser {
    const user = this.core.workspace.user(ref);
    if (!user) throw new Error(`No user "${ref}" in the emulated workspace`);
    return user;
  }

  private place(ref: string): SlackChannel {
    const channel = this.core.workspace.channel(ref);
    if (!channel) throw new Error(`No conversation "${ref}" in the emulated workspace`);
    return channel;
  }

  /** `/recio restart trade_executor` typed by `user` in `channel`. */
  async slashCommand(
    input: { user: string; channel: string; text: string; command?: string } & SendOptions,
  ): Promise<DeliveryRecord> {
    const user = this.person(input.user);
    const channel = this.place(input.channel);
    const name = input.command ?? '/recio';
    // Slack answers a command no installed app has itself ("/x is not a valid command"); nothing is sent.
    const spec = this.core.manifest.commands.find((c) => c.command === name);
    if (!spec || !this.core.manifest.botScopes.includes(DELIVERY_SCOPES.slashCommand))
      throw new Error(`${name} is not a valid command (the app's manifest has no such command)`);
    const delivery = this.deliverer.create('slash_command');
    const triggerId = this.core.triggers.issue(user.id);
    const responseUrl = this.core.responseUrls.issue(this.core, {
      kind: 'commands',
      userId: user.id,
      channel: channel.id,
      deliveryId: delivery.id,
    });
    delivery.payload = slashCommandPayload(this.core, {
      user,
      channel,
      command: name,
      text: typedCommandText(input.text, this.core.workspace, spec.shouldEscape),
      responseUrl,
      triggerId,
    });
    Object.assign(delivery, { triggerId, responseUrl });
    return this.deliverer.send(delivery, input);
  }

  /**
   * The user opens the app's Home (`tab: 'home'`, the default) or its Messages tab: Slack sends
   * `app_home_opened` each time (https://api.slack.com/events/app_home_opened), with the Home's
   * current view when one was published before.
   */
  async openHome(
    input: { user: string; tab?: 'home' | 'messages' } & SendOptions,
  ): Promise<DeliveryRecord | undefined> {
    const user = this.person(input.user);
    // Slack tells only an app subscribed to the event.
    if (!this.subscriptions.has('app_home_opened')) return undefined;
    const tab = input.tab ?? 'home';
    const published = tab === 'home' ? this.core.state.homeOf(user.id) : undefined;
    return this.event(
      {
        type: 'app_home_opened',
        user: user.id,
        channel: this.core.workspace.dmWith(user.id).id,
        tab,
        event_ts: this.core.ids.messageTs(),
        ...(published ? { view: viewJson(this.core, published) } : {}),
      },
      input,
    );
  }

  /**
   * A click on a button (or a choice in a select/overflow, with `value`) in a message, an
   * ephemeral message (`ephemeral: true`), the user's published Home (`home: true`), or the user's
   * open modal (no `channel`/`ts`).
   */
  async click(
    input: {
      user: string;
      actionId: string;
      blockId?: string;
      channel?: string;
      ts?: string;
      ephemeral?: boolean;
      home?: boolean;
      value?: InputValue;
      /** In a modal: what the inputs hold at the moment of the click (Slack sends them in `view.state`). */
      viewValues?: Record<string, InputValue | Record<string, InputValue>>;
    } & SendOptions,
  ): Promise<DeliveryRecord> {
    const user = this.person(input.user);
    const { state } = this.core;
    let source: ActionSource;
    if (input.home) {
      const home = state.homeOf(user.id);
      if (!home) throw new Error(`${user.name} has no Home published to click in`);
      source = { kind: 'view', view: home };
    } else if (input.channel === undefined) {
      const view = state.openModal(user.id);
      if (!view) throw new Error(`${user.name} has no modal open to click in`);
      if (input.viewValues)
        view.state = {
          values: viewStateValues((view.view.blocks as unknown[]) ?? [], input.viewValues, { requireAll: false }),
        };
      source = { kind: 'view', view };
    } else {
      const channel = this.place(input.channel);
      const ts = input.ts ?? lastBotMessage(state.messagesIn(channel.id), this.core.workspace.bot.userId)?.ts;
      if (ts === undefined) throw new Error(`No message to click in ${channel.name}`);
      if (input.ephemeral) {
        const ephemeral = state.ephemeral(channel.id, ts);
        if (!ephemeral || ephemeral.deleted || ephemeral.user !== user.id)
          throw new Error(`${user.name} sees no ephemeral message ${ts}`);
        source = { kind: 'ephemeral', ephemeral };
      } else {
        const message = state.message(channel.id, ts);
        if (!message || message.deleted) throw new Error(`No message ${ts} in ${channel.name}`);
        source = { kind: 'message', message };
      }
    }
    const blocks =
      source.kind === 'view'
        ? (source.view.view.blocks as unknown[])
        : source.kind === 'message'
          ? source.message.blocks
          : source.ephemeral.blocks;
    const located = findElement(blocks, input.actionId, input.blockId);
    if (!located) throw new Error(`No element with action_id "${input.actionId}" where ${user.name} clicked`);
    const delivery = this.deliverer.create('block_actions');
    const triggerId = this.core.triggers.issue(user.id);
    let responseUrl: string | undefined;
    if (source.kind !== 'view') {
      const m = source.kind === 'message' ? source.message : source.ephemeral;
      responseUrl = this.core.responseUrls.issue(this.core, {
        kind: 'actions',
        userId: user.id,
        channel: m.channel,
        deliveryId: delivery.id,
        source: {
          ephemeral: source.kind === 'ephemeral',
          channel: m.channel,
          ts: m.ts,
          ...(m.threadTs ? { threadTs: m.threadTs } : {}),
        },
      });
    }
    const action = actionEntry(located, this.core.ids.messageTs(), input.value);
    const stateValues = source.kind === 'view' ? source.view.state.values : {};
    delivery.payload = blockActionsPayload(this.core, {
      user,
      source,
      actions: [action],
      triggerId,
      stateValues,
      ...(responseUrl ? { responseUrl } : {}),
    });
    Object.assign(delivery, { triggerId, ...(responseUrl ? { responseUrl } : {}) });
    return this.deliverer.send(delivery, input);
  }

  /** Submit the user's open modal with `values` per input block_id (initial values fill the rest). */
  async submitView(
    input: { user: string; values?: Record<string, InputValue | Record<string, InputValue>> } & SendOptions,
  ): Promise<DeliveryRecord> {
    const user = this.person(input.user);
    const view = this.core.state.openModal(user.id);
    if (!view) throw new Error(`${user.name} has no modal open to submit`);
    // "submit: … the text displayed in the submit button" (docs.slack.dev/reference/views/modal-views):
    // a view without it shows no Submit button, so a person cannot send it (a loading view, a notice).
    if (view.view.submit === undefined)
      throw new Error(`${user.name}'s open modal (${String(view.view.callback_id)}) has no Submit button to press`);
    view.state = { values: viewStateValues((view.view.blocks as unknown[]) ?? [], input.values ?? {}) };
    const delivery = this.deliverer.create('view_submission');
    const triggerId = this.core.triggers.issue(user.id);
    delivery.payload = viewSubmissionPayload(this.core, { user, view, triggerId });
    delivery.triggerId = triggerId;
    return this.deliverer.send(delivery, input);
  }

  /**
   * The user closes the modal (Cancel on the top view, or the X for the whole stack with
   * `all: true`). Slack closes it either way and tells the app only if `notify_on_close` is set.
   */
  async closeView(input: { user: string; all?: boolean } & SendOptions): Promise<DeliveryRecord | undefined> {
    const user = this.person(input.user);
    const view = this.core.state.openModal(user.id);
    if (!view) throw new Error(`${user.name} has no modal open to close`);
    closeModalStack(this.core, user.id, input.all ? Number.POSITIVE_INFINITY : 1);
    if (view.view.notify_on_close !== true) return undefined;
    const delivery = this.deliverer.create('view_closed');
    delivery.payload = viewClosedPayload(this.core, { user, view, isCleared: input.all === true });
    return this.deliverer.send(delivery, input);
  }

  /**
   * `user` writes `text` in `channel` (in a thread with `threadTs`). The message lands in the
   * conversation; the app gets `app_mention` if the text mentions it (`<@BOTID>`), and `message`
   * if it subscribes to message events.
   */
  async userMessage(
    input: { user: string; channel: string; text: string; threadTs?: string } & SendOptions,
  ): Promise<{ message: MessageRecord; deliveries: DeliveryRecord[] }> {
    const user = this.person(input.user);
    const channel = this.place(input.channel);
    if (!channel.members.has(user.id)) throw new Error(`${user.name} is not in ${channel.name}`);
    const text = typedMessageText(input.text, this.core.workspace);
    const message = postMessage(this.core, {
      channel: channel.id,
      user: user.id,
      content: { text },
      via: 'user',
      ...(input.threadTs ? { threadTs: input.threadTs } : {}),
    });
    const types: Array<'app_mention' | 'message'> = [];
    if (channel.members.has(this.core.workspace.bot.userId)) {
      const mentioned = new RegExp(`<@${this.core.workspace.bot.userId}(\\|[^>]*)?>`).test(text);
      const granted = this.core.manifest.botScopes.includes(DELIVERY_SCOPES.appMention);
      if (mentioned && granted && this.subscriptions.has('app_mention')) types.push('app_mention');
      if (this.subscriptions.has('message')) types.push('message');
    }
    const deliveries: DeliveryRecord[] = [];
    for (const type of types) deliveries.push(await this.event(messageEvent(this.core, type, message, channel), input));
    return { message, deliveries };
  }

  /** Any Events API inner event, wrapped in its event_callback envelope. */
  event(event: Json, options: SendOptions = {}): Promise<DeliveryRecord> {
    const delivery = this.deliverer.create('event_callback');
    delivery.payload = eventCallbackPayload(this.core, event, this.core.ids.objectId('Ev'));
    return this.deliverer.send(delivery, options);
  }

  /** Slack's Request URL check: the app must answer with the challenge. */
  urlVerification(challenge = this.core.ids.secret(24), options: SendOptions = {}): Promise<DeliveryRecord> {
    const delivery = this.deliverer.create('url_verification', urlVerificationPayload(challenge));
    return this.deliverer.send(delivery, { ...options, transport: 'http' });
  }
}

function lastBotMessage(messages: MessageRecord[], botUserId: string): MessageRecord | undefined {
  return [...messages].reverse().find((m) => m.user === botUserId);
}
