import type { DeliveryRecord, SlackEmulator } from '@recio/slack-emulator/index';
import { BadRequest } from './http-io.js';
import type { ClickRequest, CloseRequest, CommandRequest, MessageRequest, SubmitRequest } from './requests.js';

/**
 * What a person does on the page, handed to the emulator as the delivery Slack would make (signed
 * HTTP or Socket Mode, whichever the bot uses). The answer says how the bot took it, so the page
 * can show Slack's own complaint when the app did not acknowledge in time.
 */
export interface DeliveryOutcome {
  id: string;
  kind: string;
  outcome: string;
  status?: number;
  error?: string;
}

export interface ActionResult {
  ok: true;
  deliveries: DeliveryOutcome[];
}

function outcomeOf(delivery: DeliveryRecord): DeliveryOutcome {
  const last = delivery.attempts[delivery.attempts.length - 1];
  return {
    id: delivery.id,
    kind: delivery.kind,
    outcome: last?.outcome ?? 'pending',
    ...(last?.status !== undefined ? { status: last.status } : {}),
    ...(last?.error !== undefined ? { error: last.error } : {}),
  };
}

function result(deliveries: Array<DeliveryRecord | undefined>): ActionResult {
  return { ok: true, deliveries: deliveries.filter((d): d is DeliveryRecord => d !== undefined).map(outcomeOf) };
}

export class ConsoleActions {
  constructor(
    private readonly emulator: SlackEmulator,
    private readonly commands: readonly string[],
  ) {}

  /** A human of the workspace (not the bot); the page may only act as one of them. */
  person(id: string): string {
    const user = this.emulator.workspace.users.get(id);
    if (!user || user.isBot) throw new BadRequest(`no user ${id} in this workspace`);
    return user.id;
  }

  /**
   * Whom a page is looking as: an id or a name (`?user=bob`), or — for a fresh page — the first
   * person of the workspace.
   */
  viewer(ref: string): string {
    if (ref === '') {
      const first = [...this.emulator.workspace.users.values()].find((u) => !u.isBot);
      if (!first) throw new BadRequest('this workspace has nobody in it');
      return first.id;
    }
    const user = this.emulator.workspace.user(ref);
    return this.person(user?.id ?? ref);
  }

  private channelFor(user: string, channel: string): string {
    if (!this.emulator.workspace.isMember(channel, user))
      throw new BadRequest(`${user} is not in conversation ${channel}`, 403);
    return channel;
  }

  /** The modal the page acted on must still be the one on top; otherwise the page is stale. */
  private openView(user: string, viewId: string): void {
    const open = this.emulator.state.openModal(user);
    if (open?.id !== viewId) throw new BadRequest(`view ${viewId} is no longer open`, 409);
  }

  async command(req: CommandRequest): Promise<ActionResult> {
    const user = this.person(req.user);
    // Slack itself answers an unknown command; it never reaches any app.
    if (!this.commands.includes(req.command)) throw new BadRequest(`${req.command} is not a valid command`, 404);
    const delivery = await this.emulator.deliver.slashCommand({
      user,
      channel: this.channelFor(user, req.channel),
      command: req.command,
      text: req.text.trim(),
    });
    return result([delivery]);
  }

  async message(req: MessageRequest): Promise<ActionResult> {
    const user = this.person(req.user);
    const channel = this.channelFor(user, req.channel);
    if (req.threadTs !== undefined && !this.emulator.state.message(channel, req.threadTs))
      throw new BadRequest(`no message ${req.threadTs} to reply to`, 404);
    // The emulation escapes and links what was typed, as Slack's client does.
    const { deliveries } = await this.emulator.deliver.userMessage({
      user,
      channel,
      text: req.text,
      ...(req.threadTs ? { threadTs: req.threadTs } : {}),
    });
    return result(deliveries);
  }

  async click(req: ClickRequest): Promise<ActionResult> {
    const user = this.person(req.user);
    if ('viewId' in req) this.openView(user, req.viewId);
    const target =
      'viewId' in req
        ? req.values
          ? { viewValues: req.values }
          : {}
        : { channel: this.channelFor(user, req.channel), ts: req.ts, ...(req.ephemeral ? { ephemeral: true } : {}) };
    const delivery = await this.emulator.deliver.click({
      user,
      actionId: req.actionId,
      ...target,
      ...(req.blockId !== undefined ? { blockId: req.blockId } : {}),
      ...(req.value !== undefined ? { value: req.value } : {}),
    });
    return result([delivery]);
  }

  async submit(req: SubmitRequest): Promise<ActionResult> {
    const user = this.person(req.user);
    this.openView(user, req.viewId);
    return result([await this.emulator.deliver.submitView({ user, values: req.values })]);
  }

  async close(req: CloseRequest): Promise<ActionResult> {
    const user = this.person(req.user);
    this.openView(user, req.viewId);
    return result([await this.emulator.deliver.closeView({ user, ...(req.all ? { all: true } : {}) })]);
  }
}
