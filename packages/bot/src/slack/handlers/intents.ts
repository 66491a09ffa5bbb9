import type { Intent, ParseResult } from '../../intents/intent.js';
import type { Answer } from '../../operations/types.js';
import type { SlackContext } from '../context.js';
import type { Actor, Origin } from '../../domain/index.js';

const VERBS = ['restart', 'start', 'stop'] as const;
export type ServiceVerb = (typeof VERBS)[number];

/**
 * `/recio restart` with nothing after it: the grammar answers "Which service?", and Slack can do
 * better — offer the services in a modal.
 */
export function missingService(text: string, parsed: ParseResult): ServiceVerb | undefined {
  if (parsed.ok) return undefined;
  const words = text
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '');
  const verb = words[0]?.toLowerCase();
  return words.length === 1 && VERBS.includes(verb as ServiceVerb) ? (verb as ServiceVerb) : undefined;
}

export function isTaglessRollback(intent: Intent): boolean {
  return intent.kind === 'rollback' && intent.tag === undefined;
}

export function isFilelessRestore(intent: Intent): boolean {
  return intent.kind === 'restore' && intent.file === undefined;
}

/** Roles looked up, then the core decides (and audits any refusal). */
export async function handleIntent(
  ctx: SlackContext,
  intent: Intent,
  userId: string,
  origin: Origin,
): Promise<{ actor: Actor; answer: Answer }> {
  const actor = await ctx.ops.actorFor(userId);
  const answer = await ctx.ops.handle(intent, actor, origin);
  return { actor, answer };
}

/** The tags as text, where no modal can open (an @-mention has no trigger id). */
export async function tagsAsText(ctx: SlackContext, requestId: string, prefix: string): Promise<string> {
  const { tags, current, error } = await ctx.ops.releaseTags(requestId);
  if (error) return `Could not read the release tags: ${error}`;
  if (tags.length === 0) return 'The app host has no release tags.';
  return `Which release? \`${prefix} rollback <tag>\` — ${tags
    .slice(0, 15)
    .map((t) => `\`${t}\`${t === current ? ' (current)' : ''}`)
    .join(', ')}.`;
}
