import type { Workspace } from '../workspace.js';

/**
 * What Slack sends for what a person typed. Slack reserves `&`, `<` and `>` for its markup and
 * sends them as `&amp;` `&lt;` `&gt;` ("There are three characters you must convert to HTML
 * entities and only three", api.slack.com/reference/surfaces/formatting#escaping); mentions,
 * channels and links travel as `<@U…>`, `<#C…|name>`, `<https://…|label>`.
 */
export function escapeEntities(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Markup a client puts into a message when the person picks a mention, a channel or a link from
 * its menus: kept as it is (a test or the console may type one directly).
 */
const MARKUP = new RegExp(
  `<(?:${[
    /@[UW][A-Z0-9]+(?:\|[^<>]*)?/, // <@U…> or <@U…|name>
    /#[CGD][A-Z0-9]+(?:\|[^<>]*)?/, // <#C…|name>
    /![a-z]+(?:\^[^<>|]*)*(?:\|[^<>]*)?/, // <!here>, <!subteam^S…|@team>, <!date^…|fallback>
    /(?:https?|mailto):[^<>\s|]+(?:\|[^<>]*)?/, // <https://…|label>
  ]
    .map((part) => part.source)
    .join('|')})>`,
  'g',
);

// Run on already escaped text: a URL ends at whitespace or an escaped bracket, without the
// sentence's trailing punctuation.
const URL = /https?:\/\/[^\s]+?(?=[.,;:!?)]*(?:\s|&lt;|&gt;|$))/g;
const AT_NAME = /(^|[\s(])@([a-z0-9._-]+)/gi;
const HASH_NAME = /(^|[\s(])#([a-z0-9_-]+)/gi;

interface Linking {
  /** `<@U…>` (messages) or `<@U…|name>` (escaped slash commands). */
  userLabel: boolean;
}

function linkPlain(escaped: string, workspace: Workspace, how: Linking): string {
  const users = new Map([...workspace.users.values()].map((u) => [u.name.toLowerCase(), u]));
  const channels = new Map(
    [...workspace.channels.values()].filter((c) => !c.isIm).map((c) => [c.name.toLowerCase(), c]),
  );
  return escaped
    .replace(URL, (url) => `<${url}>`)
    .replace(AT_NAME, (whole, lead: string, name: string) => {
      const user = users.get(name.toLowerCase());
      if (!user) return whole;
      return how.userLabel ? `${lead}<@${user.id}|${user.name}>` : `${lead}<@${user.id}>`;
    })
    .replace(HASH_NAME, (whole, lead: string, name: string) => {
      const channel = channels.get(name.toLowerCase());
      return channel ? `${lead}<#${channel.id}|${channel.name}>` : whole;
    });
}

/**
 * A message as Slack's client sends it: the three characters escaped, `@name` and `#name` of
 * people and channels that exist turned into `<@U…>` and `<#C…|name>`, bare URLs into `<url>`.
 * Markup already in the text (a picked mention) is kept.
 */
export function typedMessageText(text: string, workspace: Workspace): string {
  let out = '';
  let at = 0;
  for (const match of text.matchAll(MARKUP)) {
    out += linkPlain(escapeEntities(text.slice(at, match.index)), workspace, { userLabel: false });
    out += match[0];
    at = match.index + match[0].length;
  }
  return out + linkPlain(escapeEntities(text.slice(at)), workspace, { userLabel: false });
}

/**
 * A slash command's `text`: always entity-escaped; with the command's `should_escape` ("Escape
 * channels, users, and links sent to your app"), also `<@U…|name>`, `<#C…|name>` and `<url>`;
 * without it, names and links arrive as typed (docs.slack.dev/interactivity/implementing-slash-commands).
 */
export function typedCommandText(text: string, workspace: Workspace, shouldEscape: boolean): string {
  const escaped = escapeEntities(text);
  return shouldEscape ? linkPlain(escaped, workspace, { userLabel: true }) : escaped;
}
