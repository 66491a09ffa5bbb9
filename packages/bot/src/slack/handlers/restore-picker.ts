import type { ModalView } from '@slack/types';
import type { Answer } from '../../operations/types.js';
import { escapeText } from '../views/kit.js';
import { noticeModal, type ReplyPlace } from '../views/modals.js';
import { restoreModal } from '../views/restore-modal.js';

/** The loading modal becomes the dump picker, or says why there is nothing to pick. */
export function restorePicker(answer: Extract<Answer, { type: 'choose_dump' }>, place: ReplyPlace): ModalView {
  if (answer.host === null || (answer.dumps.length === 0 && answer.error !== undefined))
    return noticeModal('Restore a dump', `:x: Could not list the dumps: ${escapeText(answer.error ?? 'no db host')}`);
  if (answer.dumps.length === 0)
    return noticeModal('Restore a dump', `\`${escapeText(answer.host)}\` has no dump to restore, local or offsite.`);
  return restoreModal(answer.host, answer.dumps, place, answer.error);
}
