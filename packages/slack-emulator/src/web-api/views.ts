import { parseJsonArg } from '../block-kit/message.js';
import { validateView, type ViewType } from '../block-kit/views.js';
import { argString } from '../http/read-request.js';
import { ViewLimits } from '../limits.js';
import { withBlockIds } from '../messaging.js';
import type { Json, ViewRecord } from '../records.js';
import { required, SlackApiError, type EmulatorCore, type MethodTable } from './context.js';
import { viewJson } from './shapes.js';

/**
 * views.open / push / update / publish (https://api.slack.com/surfaces/modals). A bad view answers
 * `invalid_arguments` with the problems in response_metadata.messages; modals need a fresh
 * trigger_id; a stack holds at most 3 views; `hash` guards against overwriting a newer version.
 */
function readView(args: Json, expected?: ViewType): Json {
  if (args.view === undefined || args.view === '') throw new SlackApiError('invalid_arguments');
  const parsed = parseJsonArg(args.view);
  if (!parsed.ok) throw new SlackApiError('invalid_arguments');
  if (Buffer.byteLength(JSON.stringify(parsed.value ?? null)) > ViewLimits.maxBytes)
    throw new SlackApiError('view_too_large');
  const messages = validateView(parsed.value, expected);
  if (messages.length > 0) throw new SlackApiError('invalid_arguments', { response_metadata: { messages } });
  return parsed.value as Json;
}

function exchangeTrigger(core: EmulatorCore, args: Json): string {
  const triggerId = argString(args, 'trigger_id') ?? argString(args, 'interactivity_pointer');
  if (!triggerId) throw new SlackApiError('invalid_arguments');
  const exchange = core.triggers.exchange(triggerId);
  if (!exchange.ok) throw new SlackApiError(exchange.error);
  return exchange.userId;
}

function newHash(core: EmulatorCore): string {
  return `${Math.floor(core.clock.now() / 1000)}.${core.ids.secret(6)}`;
}

function checkExternalId(core: EmulatorCore, view: Json, except?: string): void {
  const ext = view.external_id;
  if (typeof ext !== 'string') return;
  for (const v of core.state.views.values()) {
    if (v.externalId === ext && v.id !== except && v.status !== 'closed')
      throw new SlackApiError('duplicate_external_id');
  }
}

function stored(core: EmulatorCore, view: Json): Json {
  return Array.isArray(view.blocks) ? { ...view, blocks: withBlockIds(view.blocks, core.ids) } : view;
}

export function createView(core: EmulatorCore, userId: string, definition: Json, stackBelow: string[]): ViewRecord {
  const view = stored(core, definition);
  const id = core.ids.objectId('V');
  const record: ViewRecord = {
    id,
    type: view.type === 'home' ? 'home' : 'modal',
    userId,
    view,
    hash: newHash(core),
    rootViewId: stackBelow[0] ?? id,
    ...(stackBelow.length > 0 ? { previousViewId: stackBelow[stackBelow.length - 1] } : {}),
    ...(typeof view.external_id === 'string' ? { externalId: view.external_id } : {}),
    state: { values: {} },
    status: view.type === 'home' ? 'published' : 'open',
    history: [],
  };
  core.state.views.set(id, record);
  return record;
}

export function replaceViewDefinition(core: EmulatorCore, record: ViewRecord, view: Json): void {
  record.history.push(record.view);
  record.view = stored(core, view);
  delete record.errors;
  record.hash = newHash(core);
  if (typeof view.external_id === 'string') record.externalId = view.external_id;
  core.state.emit({ type: record.type === 'home' ? 'home_published' : 'view_updated', view: record });
}

export function closeModalStack(core: EmulatorCore, userId: string, count = Number.POSITIVE_INFINITY): void {
  const stack = core.state.modalStacks.get(userId) ?? [];
  while (stack.length > 0 && count > 0) {
    const record = core.state.views.get(stack.pop() as string);
    count -= 1;
    if (record) {
      record.status = 'closed';
      core.state.emit({ type: 'view_closed', view: record });
    }
  }
  core.state.modalStacks.set(userId, stack);
}

export function pushModal(core: EmulatorCore, userId: string, view: Json): ViewRecord {
  const stack = core.state.modalStacks.get(userId) ?? [];
  if (stack.length >= ViewLimits.stackMax) throw new SlackApiError('push_limit_reached');
  const record = createView(core, userId, view, stack);
  core.state.modalStacks.set(userId, [...stack, record.id]);
  core.state.emit({ type: 'view_opened', view: record });
  return record;
}

export const viewMethods: MethodTable = {
  'views.open': {
    tier: 'tier4',
    token: 'bot',
    handler({ core, args }) {
      const view = readView(args, 'modal');
      const userId = exchangeTrigger(core, args);
      checkExternalId(core, view);
      // A new modal replaces whatever stack the user had open.
      closeModalStack(core, userId);
      return { view: viewJson(core, pushModal(core, userId, view)) };
    },
  },
  'views.push': {
    tier: 'tier4',
    token: 'bot',
    handler({ core, args }) {
      const view = readView(args, 'modal');
      const userId = exchangeTrigger(core, args);
      if ((core.state.modalStacks.get(userId) ?? []).length === 0) throw new SlackApiError('not_found');
      checkExternalId(core, view);
      return { view: viewJson(core, pushModal(core, userId, view)) };
    },
  },
  'views.update': {
    tier: 'tier4',
    token: 'bot',
    handler({ core, args }) {
      const viewId = argString(args, 'view_id');
      const externalId = argString(args, 'external_id');
      if (!viewId && !externalId) throw new SlackApiError('invalid_arguments');
      const record = [...core.state.views.values()].find((v) =>
        viewId ? v.id === viewId : v.externalId === externalId,
      );
      if (!record || record.status === 'closed') throw new SlackApiError('not_found');
      const hash = argString(args, 'hash');
      if (hash !== undefined && hash !== record.hash) throw new SlackApiError('hash_conflict');
      const view = readView(args, record.type);
      checkExternalId(core, view, record.id);
      replaceViewDefinition(core, record, view);
      return { view: viewJson(core, record) };
    },
  },
  'views.publish': {
    tier: 'tier4',
    token: 'bot',
    handler({ core, args }) {
      const userId = required(args, 'user_id', 'invalid_arguments');
      if (!core.workspace.users.has(userId)) throw new SlackApiError('user_not_found');
      const view = readView(args, 'home');
      const existing = core.state.homeOf(userId);
      const hash = argString(args, 'hash');
      if (existing && hash !== undefined && hash !== existing.hash) throw new SlackApiError('hash_conflict');
      if (existing) {
        replaceViewDefinition(core, existing, view);
        return { view: viewJson(core, existing) };
      }
      const record = createView(core, userId, view, []);
      core.state.homes.set(userId, record.id);
      core.state.emit({ type: 'home_published', view: record });
      return { view: viewJson(core, record) };
    },
  },
};
