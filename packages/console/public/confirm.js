// A button's `confirm` object: Slack asks before it sends the click, and sends nothing on "Cancel".
import { el } from './dom.js';
import { emojify } from './emoji.js';
import { textObject } from './mrkdwn.js';

/** @returns {Promise<boolean>} */
export function confirmDialog(confirm, dir) {
  return new Promise((resolve) => {
    const root = document.getElementById('confirm-root');
    const overlay = el('div', 'overlay confirm-overlay');
    const dialog = el('div', 'dialog confirm');
    dialog.setAttribute('role', 'alertdialog');
    dialog.setAttribute('aria-modal', 'true');
    const title = el('h2', 'dialog-title', emojify(String(confirm.title?.text ?? 'Are you sure?')));
    const body = el('div', 'dialog-body');
    body.append(textObject(confirm.text, dir));
    const deny = el('button', 'btn', emojify(String(confirm.deny?.text ?? 'Cancel')));
    const ok = el(
      'button',
      `btn ${confirm.style === 'danger' ? 'btn-danger' : 'btn-primary'}`,
      emojify(String(confirm.confirm?.text ?? 'Yes')),
    );
    deny.type = ok.type = 'button';
    const done = (answer) => {
      overlay.remove();
      resolve(answer);
    };
    deny.addEventListener('click', () => done(false));
    ok.addEventListener('click', () => done(true));
    overlay.addEventListener('keydown', (e) => e.key === 'Escape' && done(false));
    const footer = el('div', 'dialog-footer');
    footer.append(deny, ok);
    dialog.append(title, body, footer);
    overlay.append(dialog);
    root.append(overlay);
    ok.focus();
  });
}
