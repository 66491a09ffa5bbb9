// One message as Slack lays it out: avatar, author (with an APP tag for the bot), time, the body
// from its blocks (or its text when it has none), attachments, files, reactions, "(edited)", and
// the thread summary. An ephemeral message carries "Only visible to you".
import { clockTime, el } from './dom.js';
import { emojify } from './emoji.js';
import { mrkdwn } from './mrkdwn.js';
import { renderAttachments, renderBlocks } from './blocks.js';

function avatar(name, isBot) {
  const node = el('div', `avatar${isBot ? ' avatar-bot' : ''}`, (name[0] ?? '?').toUpperCase());
  node.setAttribute('aria-hidden', 'true');
  return node;
}

function files(list) {
  const out = el('div', 'files');
  for (const f of list) {
    const card = el('div', 'file');
    card.dataset.fileId = f.id;
    const link = el('a', 'file-name', f.title);
    link.href = `/console/files/${encodeURIComponent(f.id)}`;
    if (!f.isImage) link.download = f.name;
    card.append(link, el('span', 'file-size', ` ${Math.ceil(f.size / 1024)} KB`));
    if (f.isImage) {
      const img = el('img', 'file-image');
      img.src = link.href;
      img.alt = f.altText ?? f.title;
      card.append(img);
    } else if (f.preview !== undefined) {
      card.append(el('pre', 'pre file-preview', f.preview + (f.truncated ? '\n…' : '')));
    }
    out.append(card);
  }
  return out;
}

/**
 * @param {any} msg  a message or an ephemeral from /api/state
 * @param {import('./blocks.js').BlockContext & { userById: (id:string)=>any, botName: string }} ctx
 * @param {{ ephemeral?: boolean, inThread?: boolean, onOpenThread?: () => void, onDismiss?: () => void }} opts
 */
export function renderMessage(msg, ctx, opts = {}) {
  const author = opts.ephemeral
    ? { name: ctx.botName, isBot: true }
    : msg.bot
      ? { name: ctx.botName, isBot: true }
      : (ctx.userById(msg.user) ?? { name: msg.user, isBot: false });
  const node = el('article', `message${opts.ephemeral ? ' ephemeral' : ''}`);
  node.dataset.ts = msg.ts;
  node.dataset.channel = msg.channel;
  node.append(avatar(author.name, author.isBot));
  const body = el('div', 'message-body');
  const head = el('div', 'message-head');
  head.append(el('span', 'author', author.name));
  if (author.isBot) head.append(el('span', 'app-tag', 'APP'));
  const time = el('time', 'time', clockTime(msg.ts));
  time.dateTime = new Date(Number(msg.ts.split('.')[0]) * 1000).toISOString();
  head.append(time);
  if (opts.ephemeral) head.append(el('span', 'only-you', 'Only visible to you'));
  body.append(head);

  const content = el('div', 'message-content');
  if (Array.isArray(msg.blocks) && msg.blocks.length > 0) content.append(renderBlocks(msg.blocks, ctx));
  else content.append(mrkdwn(msg.text, ctx.dir));
  if (msg.attachments?.length) content.append(renderAttachments(msg.attachments, ctx));
  // Slack puts "(edited)" at the end of the last line of text, not on a line of its own.
  if (msg.edited)
    (content.lastElementChild?.querySelector('.section-text') ?? content).append(el('span', 'edited', ' (edited)'));
  body.append(content);

  if (msg.files?.length) body.append(files(msg.files));
  // An incident's parent, once its report is in the thread: the timeline picture, a click away.
  if (msg.timelinePicture) {
    const link = el('a', 'timeline-link', 'Timeline picture');
    link.href = msg.timelinePicture;
    link.target = '_blank';
    link.rel = 'noopener';
    body.append(link);
  }
  if (msg.reactions?.length) {
    const row = el('div', 'reactions');
    for (const r of msg.reactions) row.append(el('span', 'reaction', `${emojify(`:${r.name}:`)} ${r.count}`));
    body.append(row);
  }
  if (!opts.inThread && msg.replyCount > 0 && opts.onOpenThread) {
    const open = el('button', 'thread-summary', `${msg.replyCount} ${msg.replyCount === 1 ? 'reply' : 'replies'}`);
    open.type = 'button';
    open.addEventListener('click', opts.onOpenThread);
    if (msg.lastReplyTs) open.append(el('span', 'thread-last', ` Last reply ${clockTime(msg.lastReplyTs)}`));
    body.append(open);
  }
  if (opts.ephemeral && opts.onDismiss) {
    const dismiss = el('button', 'dismiss', 'Dismiss');
    dismiss.type = 'button';
    dismiss.addEventListener('click', opts.onDismiss);
    body.append(dismiss);
  }
  if (!opts.inThread && !opts.ephemeral && opts.onOpenThread && msg.replyCount === 0) {
    const reply = el('button', 'reply-in-thread', 'Reply in thread');
    reply.type = 'button';
    reply.addEventListener('click', opts.onOpenThread);
    body.append(reply);
  }
  node.append(body);
  return node;
}
