import type { WebClient } from '@slack/web-api';
import type { SlackContext } from '../context.js';
import { escapeText } from '../views/kit.js';
import { noticeModal, rollbackModal, type ReplyPlace } from '../views/modals.js';

/** Replaces the loading modal with the tag picker, or with why there is nothing to pick. */
export async function fillRollbackModal(
  ctx: SlackContext,
  client: WebClient,
  viewId: string,
  requestId: string,
  place: ReplyPlace,
): Promise<void> {
  const { tags, current, error } = await ctx.ops.releaseTags(requestId);
  const view =
    error !== undefined
      ? noticeModal('Roll back', `:x: Could not read the release tags: ${escapeText(error)}`)
      : tags.length === 0
        ? noticeModal('Roll back', 'The app host has no release tags to roll back to.')
        : rollbackModal(tags, current, place);
  await client.views.update({ view_id: viewId, view });
}
