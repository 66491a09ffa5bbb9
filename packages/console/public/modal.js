// The open modal as an overlay: title, blocks (inputs hold values until submit), errors Slack got
// back in `response_action: "errors"`, and Submit / Cancel / × as Slack draws them. A required
// input left empty is refused here, as Slack's client does, before anything is sent.
import { el } from './dom.js';
import { emojify } from './emoji.js';
import { renderBlocks } from './blocks.js';
import { readValue, writeValue } from './elements.js';

/** Per input block_id, per action_id, what the person entered; and the required ones left empty. */
export function collectValues(form, blocks) {
  const values = {};
  const missing = [];
  for (const block of blocks) {
    if (block.type !== 'input') continue;
    const control = form.querySelector(
      `.block.input[data-block-id="${CSS.escape(String(block.block_id))}"] .input-control`,
    );
    const value = control ? readValue(control) : undefined;
    if (value === undefined) {
      if (!block.optional) missing.push(block.block_id);
      continue;
    }
    values[block.block_id] = { [block.element.action_id]: value };
  }
  return { values, missing };
}

/**
 * Carry what was typed into a re-drawn modal: Slack keeps an input's value across views.update
 * (and across `response_action: "errors"`) when its block_id and action_id stay the same.
 */
export function restoreValues(form, blocks, values) {
  for (const block of blocks) {
    const kept = values[block.block_id]?.[block.element?.action_id];
    if (block.type !== 'input' || kept === undefined) continue;
    const control = form.querySelector(
      `.block.input[data-block-id="${CSS.escape(String(block.block_id))}"] .input-control`,
    );
    if (control) writeValue(control, kept);
  }
}

/**
 * @param {any} modal  the open modal from /api/state
 * @param {import('./blocks.js').BlockContext} ctx  `act` clicks inside the modal
 * @param {{ submit: (values: any) => Promise<void>, close: (all: boolean) => Promise<void> }} on
 */
export function renderModal(modal, ctx, on) {
  const overlay = el('div', 'overlay');
  const form = el('form', 'dialog modal');
  form.setAttribute('role', 'dialog');
  form.setAttribute('aria-modal', 'true');
  form.dataset.viewId = modal.id;
  form.noValidate = true;

  const header = el('div', 'dialog-header');
  header.append(el('h2', 'dialog-title', emojify(String(modal.title?.text ?? ''))));
  const x = el('button', 'dialog-x', '×');
  x.type = 'button';
  x.setAttribute('aria-label', 'Close');
  x.addEventListener('click', () => void on.close(true));
  header.append(x);

  const body = el('div', 'dialog-body');
  body.append(renderBlocks(modal.blocks, { ...ctx, errors: modal.errors }));

  const footer = el('div', 'dialog-footer');
  const cancel = el('button', 'btn', emojify(String(modal.close?.text ?? (modal.depth > 1 ? 'Back' : 'Cancel'))));
  cancel.type = 'button';
  cancel.addEventListener('click', () => void on.close(false));
  footer.append(cancel);
  if (modal.submit) {
    const submit = el('button', 'btn btn-primary', emojify(String(modal.submit.text ?? 'Submit')));
    submit.type = 'submit';
    footer.append(submit);
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const { values, missing } = collectValues(form, modal.blocks);
    for (const n of form.querySelectorAll('.input-error.local')) n.remove();
    for (const blockId of missing) {
      const block = form.querySelector(`.block.input[data-block-id="${CSS.escape(String(blockId))}"]`);
      block?.append(el('div', 'input-error local', 'Please complete this required field.'));
    }
    if (missing.length === 0) void on.submit(values);
  });
  form.append(header, body, footer);
  overlay.append(form);
  return overlay;
}
