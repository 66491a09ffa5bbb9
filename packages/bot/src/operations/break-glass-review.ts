import { redactSecrets } from '@recio/protocol/redact';
import type { Access } from '../access/access.js';
import { MIN_BREAK_GLASS_TEXT, type Actor, type BreakGlass, type Origin } from '../domain/index.js';
import type { IncidentDesk } from '../incidents/desk.js';
import { recordTransition } from '../runbooks/transition.js';
import type { Store } from '../store/index.js';
import { mention, remindBreakGlass, tellBreakGlassChanged } from './break-glass-notices.js';
import type { Answer } from './types.js';

const when = (date: Date) => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** How often an unreviewed break-glass is brought up again in its thread. */
export const BREAK_GLASS_REMIND_MS = 4 * 3_600_000;

export interface BreakGlassReviewDeps {
  store: Store;
  access: Access;
  incidents: Pick<IncidentDesk, 'writeReport'>;
  remindEveryMs?: number;
  onChange?: () => void;
}

/**
 * The other half of break-glass: the review. A security_officer or another lead_operator (never
 * the breaker) writes a note; until then the break stays "needs review" on the run, the incident,
 * the report and the App Home, and a reminder is posted in the thread every few hours.
 */
export class BreakGlassReviews {
  constructor(private readonly deps: BreakGlassReviewDeps) {}

  unreviewed(): Promise<BreakGlass[]> {
    return this.deps.store.breakGlass.unreviewed();
  }

  /** Before the note's modal: refused (and audited) here when the review would be. */
  async form(
    id: string,
    actor: Actor,
    origin: Origin,
  ): Promise<{ type: 'form'; breakGlass: BreakGlass; stepTitle: string } | Answer> {
    const checked = await this.check(id, actor, origin);
    if (checked.type !== 'ok') return checked.answer;
    const step = await this.deps.store.steps.get(checked.breakGlass.stepId);
    return { type: 'form', breakGlass: checked.breakGlass, stepTitle: step?.title ?? '' };
  }

  async review(id: string, note: string, actor: Actor, origin: Origin): Promise<Answer> {
    const { store, access } = this.deps;
    const checked = await this.check(id, actor, origin);
    if (checked.type !== 'ok') return checked.answer;
    if (note.trim().length < MIN_BREAK_GLASS_TEXT) {
      await access.auditRefusal(actor.id, `break_glass:${id}`, 'review_note_too_short', origin);
      return { type: 'text', text: `Write what you checked (at least ${MIN_BREAK_GLASS_TEXT} characters).` };
    }
    const clean = redactSecrets(note.trim()).slice(0, 1_000);
    const mentions = access.securityMentions();
    const result = await store.withTransaction(async (tx) => {
      const reviewed = await tx.breakGlass.review({ id, by: actor.id, note: clean });
      if (!reviewed.ok) return reviewed;
      const run = await tx.runs.get(reviewed.breakGlass.runId);
      await recordTransition(tx, {
        actor: actor.id,
        runId: reviewed.breakGlass.runId,
        stepId: reviewed.breakGlass.stepId,
        incidentId: reviewed.breakGlass.incidentId,
        kind: 'break_glass_reviewed',
        text: `Break-glass by ${reviewed.breakGlass.brokenBy} reviewed by ${actor.id}: ${clean}`,
        detail: { breakGlassId: id },
        audit: {
          action: 'break_glass.reviewed',
          target: `run:${reviewed.breakGlass.runId}`,
          outcome: 'reviewed',
          detail: { breakGlass: id, brokenBy: reviewed.breakGlass.brokenBy, note: clean, surface: origin.surface },
          requestId: origin.requestId,
        },
        tell: run ? [(t) => tellBreakGlassChanged(t, run, reviewed.breakGlass, 'reviewed', mentions)] : [],
      });
      return reviewed;
    });
    if (!result.ok) return this.refuse(actor, id, result.reason, origin, result.breakGlass);
    // A resolved incident's report was written already: write it again with the review in it.
    const incident = result.breakGlass.incidentId ? await store.incidents.get(result.breakGlass.incidentId) : undefined;
    if (incident?.report) await this.deps.incidents.writeReport(incident.id);
    this.deps.onChange?.();
    return {
      type: 'text',
      text: `Review recorded: the break-glass by ${mention(result.breakGlass.brokenBy)} is closed.`,
    };
  }

  /**
   * A reminder for each break still unreviewed, once per period since the break (the outbox key
   * makes it once across replicas and sweeps). Returns how many were enqueued or already there.
   */
  async remind(now = new Date()): Promise<number> {
    const { store, access } = this.deps;
    const every = this.deps.remindEveryMs ?? BREAK_GLASS_REMIND_MS;
    const open = await store.breakGlass.unreviewed();
    let due = 0;
    await store.withTransaction(async (tx) => {
      for (const breakGlass of open) {
        const period = Math.floor((now.getTime() - breakGlass.brokenAt.getTime()) / every);
        const run = period >= 1 ? await tx.runs.get(breakGlass.runId) : undefined;
        if (run === undefined) continue;
        await remindBreakGlass(tx, run, breakGlass, period, access.securityMentions());
        due += 1;
      }
    });
    if (due > 0) this.deps.onChange?.();
    return due;
  }

  private async check(id: string, actor: Actor, origin: Origin) {
    const { store, access } = this.deps;
    const denied = await access.authorise(actor, 'review_break_glass', `break_glass:${id.slice(0, 40)}`, origin);
    if (denied) return { type: 'refused' as const, answer: denied as Answer };
    const breakGlass = await store.breakGlass.get(id);
    if (breakGlass === undefined)
      return { type: 'refused' as const, answer: await this.refuse(actor, id, 'unknown', origin) };
    if (breakGlass.reviewedAt !== null)
      return { type: 'refused' as const, answer: await this.refuse(actor, id, 'already_reviewed', origin, breakGlass) };
    if (breakGlass.brokenBy === actor.id)
      return { type: 'refused' as const, answer: await this.refuse(actor, id, 'own_break', origin, breakGlass) };
    return { type: 'ok' as const, breakGlass };
  }

  private async refuse(
    actor: Actor,
    id: string,
    reason: 'unknown' | 'already_reviewed' | 'own_break',
    origin: Origin,
    breakGlass?: BreakGlass,
  ): Promise<Answer> {
    await this.deps.access.auditRefusal(actor.id, `break_glass:${id.slice(0, 40)}`, `review_${reason}`, origin);
    const texts = {
      unknown: 'That break-glass is unknown. Nothing was recorded.',
      already_reviewed:
        `Already reviewed by ${breakGlass?.reviewedBy ? mention(breakGlass.reviewedBy) : 'someone'}` +
        `${breakGlass?.reviewedAt ? ` at ${when(breakGlass.reviewedAt)}` : ''}.`,
      own_break: 'You broke this glass: a security_officer or another lead_operator must review it.',
    };
    return { type: 'text', text: texts[reason] };
  }
}
