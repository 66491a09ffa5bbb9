// Drawing the workspace from a snapshot: the sidebar (user switcher, channels, the app's DM), the
// channel timeline and the thread pane. Message nodes are kept while their content is unchanged,
// so a live update elsewhere does not reset a select someone is about to use.
import { compareTs, el } from './dom.js';
import { renderMessage } from './message.js';

export function renderSwitcher(select, snapshot) {
  const people = snapshot.users.filter((u) => !u.isBot);
  const wanted = people.map((u) => `${u.id}:${u.name}:${u.role ?? ''}`).join('|');
  if (select.dataset.people !== wanted) {
    select.replaceChildren(
      ...people.map((u) => {
        const option = el('option', undefined, u.role ? `${u.name} — ${u.role}` : u.name);
        option.value = u.id;
        return option;
      }),
    );
    select.dataset.people = wanted;
  }
  select.value = snapshot.me;
}

export function renderChannelList(list, channels, { current, unread, onPick }) {
  list.replaceChildren(
    ...channels.map((c) => {
      const item = el('li');
      const pick = el(
        'button',
        `channel-link${c.id === current ? ' active' : ''}${unread.has(c.id) ? ' unread' : ''}`,
        c.kind === 'dm' ? c.name : `${c.kind === 'private' ? '🔒' : '#'} ${c.name}`,
      );
      pick.type = 'button';
      pick.dataset.channel = c.id;
      pick.addEventListener('click', () => onPick(c.id));
      item.append(pick);
      return item;
    }),
  );
}

/** What one conversation (or one thread) shows to the current user, in time order. */
export function entriesFor(snapshot, channel, thread, dismissed) {
  const messages = snapshot.messages.filter(
    (m) =>
      m.channel === channel &&
      (thread === undefined ? m.threadTs === undefined || m.replyBroadcast : m.ts === thread || m.threadTs === thread),
  );
  const ephemerals = snapshot.ephemerals.filter(
    (e) =>
      e.channel === channel &&
      !dismissed.has(`${e.channel}/${e.ts}`) &&
      (thread === undefined ? e.threadTs === undefined : e.threadTs === thread),
  );
  return [...messages.map((m) => ({ m, ephemeral: false })), ...ephemerals.map((m) => ({ m, ephemeral: true }))].sort(
    (a, b) => compareTs(a.m.ts, b.m.ts),
  );
}

const kept = new WeakMap();

/**
 * Fill `container` with the entries; `makeCtx(entry)` gives each message its actions.
 * Returns nothing; keeps the scroll at the bottom when it was there.
 */
export function renderTimeline(container, entries, { makeCtx, opts, signature }) {
  const atBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 40;
  const previous = kept.get(container) ?? new Map();
  const next = new Map();
  const nodes = entries.map((entry) => {
    const key = `${entry.ephemeral ? 'e' : 'm'}/${entry.m.channel}/${entry.m.ts}`;
    const sig = `${signature}|${JSON.stringify(entry.m)}`;
    const old = previous.get(key);
    const node = old && old.sig === sig ? old.node : renderMessage(entry.m, makeCtx(entry), opts(entry));
    next.set(key, { sig, node });
    return node;
  });
  kept.set(container, next);
  if (nodes.length === 0) nodes.push(el('p', 'empty', 'No messages yet. Try /recio help.'));
  container.replaceChildren(...nodes);
  if (atBottom) container.scrollTop = container.scrollHeight;
}
