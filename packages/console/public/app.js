// The console page: keeps the current user's snapshot of the workspace, redraws it on every
// server-sent change, and turns what the person does into the console's API calls (which the
// emulator delivers to the bot as Slack would).
import { deliveryProblem, fetchState, listen, post } from './api.js';
import { wireComposer } from './composer.js';
import { compareTs, el } from './dom.js';
import { collectValues, renderModal, restoreValues } from './modal.js';
import { entriesFor, renderChannelList, renderSwitcher, renderTimeline } from './views.js';

const $ = (id) => document.getElementById(id);
const page = {
  snapshot: undefined,
  me: new URLSearchParams(window.location.search).get('user') ?? '',
  channel: undefined,
  thread: undefined,
  dismissed: new Set(),
  seen: new Map(),
  modalSig: '',
  modalBlocks: undefined,
  typed: new Map(),
};

function notify(text) {
  const bar = $('notice');
  bar.textContent = text ?? '';
  bar.hidden = !text;
}

// One fetch at a time; changes that arrive meanwhile cause exactly one more.
let inFlight;
let again = false;
async function refresh() {
  if (inFlight) {
    again = true;
    return inFlight;
  }
  inFlight = (async () => {
    do {
      again = false;
      try {
        page.snapshot = await fetchState(page.me);
        page.me = page.snapshot.me;
        draw();
      } catch (error) {
        notify(`Cannot load the workspace: ${error.message}`);
      }
    } while (again);
  })();
  try {
    await inFlight;
  } finally {
    inFlight = undefined;
  }
}

function directory(s) {
  const users = new Map(s.users.map((u) => [u.id, u]));
  const channels = new Map(s.channels.map((c) => [c.id, c]));
  return {
    userName: (id) => users.get(id)?.name,
    channelName: (id) => channels.get(id)?.name,
    userById: (id) => users.get(id),
  };
}

function baseCtx(s) {
  const dir = directory(s);
  return {
    dir,
    users: s.users,
    channels: s.channels.filter((c) => c.kind !== 'dm'),
    userById: dir.userById,
    botName: s.bot.name,
  };
}

async function act(path, body, what) {
  const answer = await post(path, { user: page.me, ...body });
  notify(deliveryProblem(answer, what));
  await refresh();
}

function messageCtx(s, entry) {
  const m = entry.m;
  return {
    ...baseCtx(s),
    act: (element, block, value) =>
      act(
        '/api/click',
        {
          channel: m.channel,
          ts: m.ts,
          ...(entry.ephemeral ? { ephemeral: true } : {}),
          actionId: element.action_id,
          ...(block?.block_id ? { blockId: block.block_id } : {}),
          ...(value !== undefined ? { value } : {}),
        },
        'That action',
      ),
  };
}

function unreadChannels(s) {
  const unread = new Set();
  for (const m of s.messages) {
    if (m.channel === page.channel || m.user === page.me) continue;
    const seen = page.seen.get(m.channel);
    if (seen !== undefined && compareTs(m.ts, seen) > 0) unread.add(m.channel);
  }
  return unread;
}

function markSeen(s) {
  for (const c of s.channels) {
    const last =
      s.messages
        .filter((m) => m.channel === c.id)
        .map((m) => m.ts)
        .sort(compareTs)
        .pop() ?? '0.0';
    if (c.id === page.channel || !page.seen.has(c.id)) page.seen.set(c.id, last);
  }
}

/** What the bot is pointed at; with nothing to watch, how to change that, and the practice REC.IO. */
function drawBanner(s) {
  const banner = $('banner');
  const offer = s.mode.practice;
  const parts = [el('span', 'banner-label', s.mode.label)];
  if (s.mode.hint) parts.push(el('span', 'banner-hint', s.mode.hint));
  if (offer && (offer.state === 'offered' || offer.state === 'failed')) {
    const button = el('button', 'btn btn-primary banner-action', 'Start a practice REC.IO');
    button.type = 'button';
    button.addEventListener('click', () => void startPractice(button));
    parts.push(button);
  }
  if (offer?.message) parts.push(el('span', 'banner-note', offer.message));
  const signature = JSON.stringify(s.mode);
  if (banner.dataset.signature === signature) return;
  banner.dataset.signature = signature;
  banner.replaceChildren(...parts);
}

async function startPractice(button) {
  button.disabled = true;
  button.textContent = 'Starting…';
  const answer = await post('/api/practice', { user: page.me });
  if (!answer.ok) notify(answer.message ?? answer.error);
  else notify(undefined);
  button.disabled = false;
  button.textContent = 'Start a practice REC.IO';
}

/** Connected: the page hears the console, and recio is connected to it (over Socket Mode). */
const link = { live: false };
function drawConnection() {
  const bot = page.snapshot?.app?.connected === true;
  const [text, state] = !link.live
    ? ['○ reconnecting…', 'offline']
    : bot
      ? ['● connected', 'live']
      : [`○ ${page.snapshot?.bot?.name ?? 'the bot'} is not connected`, 'waiting'];
  $('connection').textContent = text;
  $('connection').className = `connection ${state}`;
}

function draw() {
  const s = page.snapshot;
  if (!s.channels.some((c) => c.id === page.channel)) page.channel = s.channels[0]?.id;
  if (page.thread && page.thread.channel !== page.channel) page.thread = undefined;
  drawBanner(s);
  drawConnection();
  $('team-name').textContent = s.team;
  renderSwitcher($('user-switcher'), s);
  const pick = { current: page.channel, unread: unreadChannels(s), onPick: openChannel };
  renderChannelList(
    $('channel-list'),
    s.channels.filter((c) => c.kind !== 'dm'),
    pick,
  );
  const dms = s.channels.filter((c) => c.kind === 'dm');
  renderChannelList($('dm-list'), dms, pick);
  $('dm-heading').hidden = dms.length === 0;
  markSeen(s);

  const channel = s.channels.find((c) => c.id === page.channel);
  const name = channel ? (channel.kind === 'dm' ? channel.name : `#${channel.name}`) : '';
  $('channel-title').textContent = name;
  $('channel-hint').textContent =
    channel && !channel.botMember ? `${s.bot.name} is not in this channel: it will not hear you here.` : '';
  $('composer-input').placeholder = `Message ${name}`;
  const signature = `${page.me}|${s.users.length}`;
  renderTimeline($('timeline'), entriesFor(s, page.channel, undefined, page.dismissed), {
    signature,
    makeCtx: (entry) => messageCtx(s, entry),
    opts: (entry) => ({
      ephemeral: entry.ephemeral,
      onOpenThread: () => openThread(entry.m.ts),
      onDismiss: () => dismiss(entry.m),
    }),
  });
  drawThread(s, signature);
  drawModal(s);
}

function drawThread(s, signature) {
  const pane = $('thread-pane');
  const parentGone =
    page.thread && !s.messages.some((m) => m.channel === page.thread.channel && m.ts === page.thread.ts);
  if (!page.thread || parentGone) {
    page.thread = undefined;
    pane.hidden = true;
    return;
  }
  pane.hidden = false;
  $('thread-channel').textContent = $('channel-title').textContent;
  renderTimeline($('thread-timeline'), entriesFor(s, page.thread.channel, page.thread.ts, page.dismissed), {
    signature: `${signature}|thread`,
    makeCtx: (entry) => messageCtx(s, entry),
    opts: (entry) => ({ ephemeral: entry.ephemeral, inThread: true, onDismiss: () => dismiss(entry.m) }),
  });
}

function drawModal(s) {
  const root = $('modal-root');
  const sig = s.modal ? `${page.me}|${JSON.stringify(s.modal)}` : '';
  if (sig === page.modalSig) return;
  page.modalSig = sig;
  // What was typed is kept per view: Slack keeps it across views.update, response_action errors,
  // and a pushed view's Back.
  const previous = root.querySelector('form.modal');
  if (previous) page.typed.set(previous.dataset.viewId, collectValues(previous, page.modalBlocks ?? []).values);
  // Kept after a modal closes too: view ids are never reused, and another user's modal may come back.
  if (!s.modal) return root.replaceChildren();
  const viewId = s.modal.id;
  let form;
  const ctx = {
    ...baseCtx(s),
    // A click inside a modal carries what its inputs hold, as Slack's view.state does.
    act: (element, block, value) =>
      act(
        '/api/click',
        {
          viewId,
          actionId: element.action_id,
          ...(block?.block_id ? { blockId: block.block_id } : {}),
          ...(value !== undefined ? { value } : {}),
          values: collectValues(form, s.modal.blocks).values,
        },
        'That action',
      ),
  };
  const overlay = renderModal(s.modal, ctx, {
    submit: (values) => act('/api/submit', { viewId, values }, 'Submitting the form'),
    close: (all) => act('/api/close', { viewId, ...(all ? { all: true } : {}) }, 'Closing the form'),
  });
  form = overlay.querySelector('form');
  const typed = page.typed.get(viewId);
  if (typed) restoreValues(form, s.modal.blocks, typed);
  page.modalBlocks = s.modal.blocks;
  root.replaceChildren(overlay);
  if (!previous) root.querySelector('input, textarea, select')?.focus();
}

/** A conversation (or a thread) opens at its latest message, as in Slack. */
function toBottom(id) {
  $(id).scrollTop = $(id).scrollHeight;
}

function openChannel(id) {
  page.channel = id;
  page.thread = undefined;
  draw();
  toBottom('timeline');
}

function openThread(ts) {
  page.thread = { channel: page.channel, ts };
  draw();
  toBottom('thread-timeline');
  $('thread-input').focus();
}

function dismiss(m) {
  page.dismissed.add(`${m.channel}/${m.ts}`);
  draw();
}

function composerActions(threadTs) {
  return {
    commands: () => page.snapshot?.commands ?? [],
    // Slack sends a slash command typed in a thread without the thread: it belongs to the channel.
    command: (name, text) => act('/api/command', { channel: page.channel, command: name, text }, name),
    message: (text) =>
      act(
        '/api/message',
        { channel: page.channel, text, ...(threadTs() ? { threadTs: threadTs() } : {}) },
        'Your message',
      ),
    refuse: notify,
  };
}

wireComposer(
  $('composer'),
  $('composer-input'),
  composerActions(() => undefined),
);
wireComposer(
  $('thread-composer'),
  $('thread-input'),
  composerActions(() => page.thread?.ts),
);
$('thread-close').addEventListener('click', () => {
  page.thread = undefined;
  draw();
});
$('user-switcher').addEventListener('change', (event) => {
  // The modal's signature holds the user, so the other user's modal (or none) replaces this one.
  page.me = event.target.value;
  const url = new URL(window.location.href);
  url.searchParams.set('user', page.snapshot?.users.find((u) => u.id === page.me)?.name ?? page.me);
  window.history.replaceState(null, '', url);
  void refresh();
});
listen(
  (change) => {
    if (change.user && change.user !== page.me) return;
    void refresh();
  },
  (status) => {
    link.live = status === 'live';
    drawConnection();
  },
);
void refresh();
