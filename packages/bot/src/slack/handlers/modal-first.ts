import type { ModalView } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../observability/logger.js';
import { noticeModal } from '../views/modals.js';

/**
 * Modals open before any slow work. A trigger_id "expires in three seconds" and may be used once
 * (api.slack.com/docs/triggers); a role lookup (usergroups.users.list is Tier 2) or a busy store
 * can take that long. So a handler opens a modal — the real one, or a loading view — straight
 * after its ack, then fills it with views.update, which needs no trigger.
 */
export async function openModalNow(
  client: WebClient,
  triggerId: string,
  view: ModalView,
  log: Logger,
): Promise<string | undefined> {
  try {
    return (await client.views.open({ trigger_id: triggerId, view })).view?.id;
  } catch (error) {
    // Too late or already used (a duplicate delivery): the caller answers as text instead.
    log.warn({ err: error }, 'could not open a modal');
    return undefined;
  }
}

/**
 * Runs `work` that ends by filling the modal `viewId`; if it throws, the modal says so instead of
 * loading forever (the person is also told privately, by the caller's guard).
 */
export async function fillingModal(
  client: WebClient,
  viewId: string | undefined,
  heading: string,
  log: Logger,
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (viewId !== undefined) {
      await client.views
        .update({ view_id: viewId, view: noticeModal(heading, ':warning: That did not work; recio told you why.') })
        .catch((updateError: unknown) => log.warn({ err: updateError }, 'could not show the failure in the modal'));
    }
    throw error;
  }
}
