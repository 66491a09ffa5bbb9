import { ActionId, BlockId } from '../ids.js';
import { actions, button, clip, context, escapeText, fallbackText, section, slackTime, type Block } from './kit.js';
import { renderRestorePreview } from './restore-preview.js';
import { runTitle } from './run-message.js';
import { NEEDS_REVIEW, type Approval, type BreakGlass, type Run, type Step } from '../../domain/index.js';

export interface ApprovalView {
  approval: Approval;
  step: Step;
  run: Run;
  now: Date;
  /** Set when the requester broke the glass on this approval. */
  breakGlass?: BreakGlass | undefined;
}

function who(id: string | null): string {
  if (id === null) return 'someone';
  return /^[UW][A-Z0-9]+$/.test(id) ? `<@${id}>` : `\`${escapeText(id)}\``;
}

/** Exactly what the approval allows, as the store binds it: action, host and params. */
function whatRuns(step: Step): string {
  const params = clip(JSON.stringify(step.params), 1_200).replace(/```/g, "'''");
  const restore =
    step.action === 'db.restore'
      ? `\n${restoreScope(step.params)}`
      : step.action === 'db.pitr.restore'
        ? `\n${pitrScope(step.params)}`
        : '';
  return (
    `*${escapeText(step.title)}*\n\`${escapeText(step.action)}\` on \`${escapeText(step.host)}\` with\n` +
    `\`\`\`${escapeText(params)}\`\`\`${restore}`
  );
}

/** What a restore will rewind, in words: the approver should not have to read the params to know. */
export function restoreScope(params: Record<string, unknown>): string {
  const file = typeof params.file === 'string' ? params.file : undefined;
  const sha = typeof params.sha256 === 'string' ? ` (SHA-256 \`${escapeText(params.sha256.slice(0, 16))}…\`)` : '';
  const tables = Array.isArray(params.tables) ? params.tables.filter((t) => typeof t === 'string') : [];
  if (file === undefined)
    return ':warning: Restores the newest dump on the host when it runs: *every table* rewinds to it.';
  const from = `\`${escapeText(file)}\`${sha}`;
  if (tables.length > 0) {
    const names = tables.map((t) => `\`${escapeText(t)}\``).join(', ');
    return `Restores only ${names} from ${from}; every other table keeps the rows written since.`;
  }
  return `:warning: Rewinds *every table* to ${from}: every row written since that dump is lost.`;
}

/** A point-in-time restore, in words: what comes back and what is lost. */
export function pitrScope(params: Record<string, unknown>): string {
  const target = typeof params.target === 'string' ? params.target : '?';
  return (
    `:warning: Rewinds *the whole cluster* to \`${escapeText(target)}\` (UTC) from the base backup and archived WAL: ` +
    'every write after that second is lost (the archive keeps it, see docs/backups.md to go forward again). ' +
    "Another time: deny, then *Point-in-time restore* on the incident's parent message."
  );
}

/** For a restore: the dump it is bound to and what it rewinds (restore-preview.ts), when it was looked into. */
function previewOf(step: Step, now: Date): Block[] {
  if (step.action !== 'db.restore' || step.preview == null) return [];
  const tables = Array.isArray(step.params.tables) ? step.params.tables.filter((t) => typeof t === 'string') : [];
  return [section(renderRestorePreview(step.preview, tables, now))];
}

/**
 * A two-person approval. Pending: who asks, exactly what will run where, until when, and
 * Approve / Deny. Decided or expired: the same facts, the outcome, and no buttons left to press.
 */
export function renderApprovalMessage({ approval, step, run, now, breakGlass }: ApprovalView): {
  text: string;
  blocks: Block[];
} {
  const expired =
    approval.state === 'expired' || (approval.state === 'pending' && approval.expiresAt.getTime() <= now.getTime());
  const intro = `${who(approval.requestedBy)} asks to run, as part of _${escapeText(runTitle(run))}_:`;
  const blocks: Block[] = [];
  let text: string;
  if (expired) {
    text = `Expired: ${step.title}`;
    blocks.push(
      section(`:hourglass: *Approval expired* at ${slackTime(approval.expiresAt)} — nothing ran.\n${intro}`),
      section(whatRuns(step)),
      ...previewOf(step, now),
    );
  } else if (approval.state === 'approved' && breakGlass !== undefined) {
    text = `Break-glass by ${breakGlass.brokenBy}: ${step.title}`;
    const review =
      breakGlass.reviewedAt === null ? NEEDS_REVIEW : `break-glass — reviewed by ${who(breakGlass.reviewedBy)}`;
    blocks.push(
      section(
        `:rotating_light: *Break-glass by ${who(breakGlass.brokenBy)}* at ${slackTime(breakGlass.brokenAt)} — ` +
          `no second lead_operator approved; ${review}.\n${intro}`,
      ),
      section(whatRuns(step)),
    );
  } else if (approval.state === 'approved') {
    text = `Approved by ${approval.decidedBy}: ${step.title}`;
    blocks.push(
      section(
        `:white_check_mark: *Approved by ${who(approval.decidedBy)}* ` +
          `at ${slackTime(approval.decidedAt ?? now)}.\n${intro}`,
      ),
      section(whatRuns(step)),
      ...previewOf(step, now),
    );
  } else if (approval.state === 'denied') {
    text = `Denied by ${approval.decidedBy}: ${step.title}`;
    blocks.push(
      section(
        `:no_entry: *Denied by ${who(approval.decidedBy)}* ` +
          `at ${slackTime(approval.decidedAt ?? now)} — it did not run.\n${intro}`,
      ),
      section(whatRuns(step)),
      ...previewOf(step, now),
    );
  } else {
    text = `Approval needed: ${step.title}`;
    blocks.push(
      section(`:lock: *Approval needed.* ${intro}`),
      section(whatRuns(step)),
      ...previewOf(step, now),
      context(`A second lead_operator must approve (not the requester). Expires ${slackTime(approval.expiresAt)}.`),
    );
    // Offered once the approval has waited long enough (the sweep marks it); the break re-checks the time.
    const glass = approval.breakGlassOfferedAt !== null;
    if (glass)
      blocks.push(
        context(
          `Nobody has approved since ${slackTime(approval.createdAt)}. ${who(approval.requestedBy)} may break the ` +
            'glass: a written reason, the security officers are told, and a review follows.',
        ),
      );
    blocks.push(
      actions(BlockId.approvalActions, [
        button('Approve', ActionId.approve, approval.id, 'primary'),
        button('Deny', ActionId.deny, approval.id, 'danger'),
        ...(glass ? [button('Break glass…', ActionId.breakGlass, approval.id)] : []),
      ]),
    );
  }
  return { text: fallbackText(text), blocks };
}
