import { BlockKit } from '../limits.js';
import { checkElement, type ElementContext, type Surface } from './elements.js';
import { charLength, checkArray, checkBoolean, checkString, isObject, Issues, type Obj } from './issues.js';
import { BLOCK_FIELDS, checkKnownFields } from './known-fields.js';
import { checkTextField, checkTextObject } from './text-objects.js';

/**
 * Layout blocks (https://api.slack.com/reference/block-kit/blocks) and the lists of elements each
 * accepts, as the reference pages give them.
 */
const SELECTS = [
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'multi_static_select',
  'multi_external_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
] as const;

const ACTIONS_ELEMENTS = [
  'button',
  'checkboxes',
  'datepicker',
  'datetimepicker',
  'overflow',
  'radio_buttons',
  'timepicker',
  'workflow_button',
  ...SELECTS,
] as const;

const SECTION_ACCESSORIES = [
  'button',
  'checkboxes',
  'datepicker',
  'image',
  'overflow',
  'radio_buttons',
  'timepicker',
  'workflow_button',
  ...SELECTS,
] as const;

const INPUT_ELEMENTS = [
  'checkboxes',
  'datepicker',
  'datetimepicker',
  'email_text_input',
  'file_input',
  'number_input',
  'plain_text_input',
  'radio_buttons',
  'rich_text_input',
  'timepicker',
  'url_text_input',
  ...SELECTS,
] as const;

interface BlockContext {
  surface: Surface;
  markdownChars: { total: number };
}

type BlockCheck = (issues: Issues, block: Obj, ptr: string, ctx: BlockContext, elements: ElementContext) => void;

/** Which surfaces each block type appears in; anything not listed here is an unknown type. */
const BLOCK_SURFACES: Record<string, readonly Surface[]> = {
  actions: ['message', 'modal', 'home'],
  context: ['message', 'modal', 'home'],
  divider: ['message', 'modal', 'home'],
  file: ['message'],
  header: ['message', 'modal', 'home'],
  image: ['message', 'modal', 'home'],
  input: ['message', 'modal', 'home'],
  markdown: ['message'],
  rich_text: ['message', 'modal', 'home'],
  section: ['message', 'modal', 'home'],
  table: ['message'],
  video: ['message', 'modal', 'home'],
};

const BLOCK_CHECKS: Record<string, BlockCheck> = {
  section(issues, block, ptr, _ctx, elements) {
    if (block.text === undefined && block.fields === undefined) issues.add(ptr, 'must provide either text or fields');
    checkTextField(issues, block, 'text', ptr, { max: BlockKit.sectionTextMax });
    const fields = checkArray(issues, block, 'fields', ptr, { max: BlockKit.sectionFieldsMax, min: 1 });
    for (const [i, f] of (fields ?? []).entries())
      checkTextObject(issues, f, `${ptr}/fields/${i}`, { max: BlockKit.sectionFieldTextMax });
    if (block.accessory !== undefined)
      checkElement(issues, block.accessory, `${ptr}/accessory`, SECTION_ACCESSORIES, elements);
    checkBoolean(issues, block, 'expand', ptr);
  },
  header(issues, block, ptr) {
    checkTextField(issues, block, 'text', ptr, { max: BlockKit.headerTextMax, plainOnly: true, required: true });
  },
  divider() {},
  context(issues, block, ptr) {
    const items = checkArray(issues, block, 'elements', ptr, {
      max: BlockKit.contextElementsMax,
      min: 1,
      required: true,
    });
    items?.forEach((item, i) => {
      const at = `${ptr}/elements/${i}`;
      if (isObject(item) && item.type === 'image') {
        checkElement(issues, item, at, ['image'], { surface: 'message', actionIds: new Set() });
      } else {
        // The context page gives no length of its own: each text follows the text object's 3000.
        checkTextObject(issues, item, at, { max: BlockKit.contextTextMax });
      }
    });
  },
  actions(issues, block, ptr, _ctx, elements) {
    const items = checkArray(issues, block, 'elements', ptr, {
      max: BlockKit.actionsElementsMax,
      min: 1,
      required: true,
    });
    for (const [i, item] of (items ?? []).entries())
      checkElement(issues, item, `${ptr}/elements/${i}`, ACTIONS_ELEMENTS, elements);
  },
  image(issues, block, ptr) {
    if (block.image_url === undefined && block.slack_file === undefined)
      issues.add(ptr, 'must provide either image_url or slack_file');
    checkString(issues, block, 'image_url', ptr, { max: BlockKit.imageUrlMax });
    checkString(issues, block, 'alt_text', ptr, { max: BlockKit.imageAltTextMax, required: true });
    checkTextField(issues, block, 'title', ptr, { max: BlockKit.imageTitleMax, plainOnly: true });
  },
  input(issues, block, ptr, _ctx, elements) {
    checkTextField(issues, block, 'label', ptr, { max: BlockKit.inputLabelMax, plainOnly: true, required: true });
    checkTextField(issues, block, 'hint', ptr, { max: BlockKit.inputHintMax, plainOnly: true });
    if (block.element === undefined) issues.add(ptr, 'missing required field: element');
    else checkElement(issues, block.element, `${ptr}/element`, INPUT_ELEMENTS, elements);
    checkBoolean(issues, block, 'optional', ptr);
    checkBoolean(issues, block, 'dispatch_action', ptr);
  },
  rich_text(issues, block, ptr) {
    checkArray(issues, block, 'elements', ptr, { max: Number.MAX_SAFE_INTEGER, required: true });
  },
  markdown(issues, block, ptr, ctx) {
    checkString(issues, block, 'text', ptr, { max: BlockKit.markdownCumulativeMax, min: 1, required: true });
    if (typeof block.text === 'string') {
      ctx.markdownChars.total += charLength(block.text);
      if (ctx.markdownChars.total > BlockKit.markdownCumulativeMax) {
        issues.add(
          `${ptr}/text`,
          `markdown blocks must total less than ${BlockKit.markdownCumulativeMax + 1} characters`,
        );
      }
    }
  },
  file(issues, block, ptr) {
    checkString(issues, block, 'external_id', ptr, { max: BlockKit.blockIdMax, required: true });
    if (block.source !== 'remote') issues.add(`${ptr}/source`, 'must be remote');
  },
  video(issues, block, ptr) {
    checkString(issues, block, 'alt_text', ptr, { max: BlockKit.imageAltTextMax, required: true });
    checkTextField(issues, block, 'title', ptr, { max: BlockKit.videoTitleMax, plainOnly: true, required: true });
    checkString(issues, block, 'thumbnail_url', ptr, { max: BlockKit.imageUrlMax, required: true });
    checkString(issues, block, 'video_url', ptr, { max: BlockKit.imageUrlMax, required: true });
  },
  table(issues, block, ptr) {
    checkArray(issues, block, 'rows', ptr, { max: 100, min: 1, required: true });
  },
};

export interface ValidateBlocksOptions {
  surface: Surface;
  /** JSON pointer of the blocks array in the request: "/blocks" for messages, "/view/blocks" for views. */
  pointer?: string;
}

/**
 * Validate a blocks array as Slack does. Returns Slack-style "[ERROR] … [json-pointer:…]" lines;
 * an empty list means Slack would accept it.
 */
export function validateBlocks(blocks: unknown, options: ValidateBlocksOptions): string[] {
  const issues = new Issues();
  const ptr = options.pointer ?? '/blocks';
  if (!Array.isArray(blocks)) {
    issues.add(ptr, 'must be an array');
    return issues.messages;
  }
  const max = options.surface === 'message' ? BlockKit.maxBlocksMessage : BlockKit.maxBlocksView;
  if (blocks.length > max) issues.add(ptr, `no more than ${max} items allowed`);
  const ctx: BlockContext = { surface: options.surface, markdownChars: { total: 0 } };
  const blockIds = new Set<string>();
  for (const [i, block] of blocks.entries()) checkBlock(issues, block, `${ptr}/${i}`, ctx, blockIds);
  return issues.messages;
}

function checkBlock(issues: Issues, block: unknown, ptr: string, ctx: BlockContext, blockIds: Set<string>): void {
  if (!isObject(block)) {
    issues.add(ptr, 'must be a block object');
    return;
  }
  const type = block.type;
  if (typeof type !== 'string') {
    issues.add(ptr, 'missing required field: type');
    return;
  }
  const check = BLOCK_CHECKS[type];
  const surfaces = BLOCK_SURFACES[type];
  if (!check || !surfaces) {
    issues.add(ptr, `failed to match all allowed schemas (unknown block type "${type}")`);
    return;
  }
  if (!surfaces.includes(ctx.surface)) {
    issues.add(ptr, `block type "${type}" is not available in ${ctx.surface} surfaces`);
    return;
  }
  checkKnownFields(issues, block, ptr, BLOCK_FIELDS[type] ?? [], ['block_id']);
  checkString(issues, block, 'block_id', ptr, { max: BlockKit.blockIdMax, min: 1 });
  // Interaction payloads key state.values by block_id, so Slack refuses two blocks sharing one.
  if (typeof block.block_id === 'string') {
    if (blockIds.has(block.block_id)) issues.add(`${ptr}/block_id`, `duplicate block_id "${block.block_id}"`);
    blockIds.add(block.block_id);
  }
  check(issues, block, ptr, ctx, { surface: ctx.surface, actionIds: new Set() });
}
