/**
 * What Slack's client does to a message before sending it: escape the three characters Slack
 * reserves for its markup (&, <, >), then turn `@name` into a user mention `<@U…>` and `#name`
 * into a channel link `<#C…|name>` when such a person or channel exists.
 * (https://api.slack.com/reference/surfaces/formatting#escaping)
 */
export interface Directory {
  users: ReadonlyArray<{ id: string; name: string }>;
  channels: ReadonlyArray<{ id: string; name: string }>;
}

export function escapeSlackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function encodeTypedMessage(text: string, directory: Directory): string {
  const users = new Map(directory.users.map((u) => [u.name.toLowerCase(), u.id]));
  const channels = new Map(directory.channels.map((c) => [c.name.toLowerCase(), c]));
  return escapeSlackText(text)
    .replace(/(^|[\s(])@([a-z0-9._-]+)/gi, (whole, lead: string, name: string) => {
      const id = users.get(name.toLowerCase());
      return id ? `${lead}<@${id}>` : whole;
    })
    .replace(/(^|[\s(])#([a-z0-9_-]+)/gi, (whole, lead: string, name: string) => {
      const channel = channels.get(name.toLowerCase());
      return channel ? `${lead}<#${channel.id}|${channel.name}>` : whole;
    });
}
