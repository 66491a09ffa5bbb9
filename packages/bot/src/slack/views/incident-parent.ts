import { ActionId, BlockId } from '../ids.js';
import {
  actions,
  button,
  context,
  escapeText,
  fallbackText,
  header,
  section,
  shortId,
  slackTime,
  type Block,
} from './kit.js';
import type { Incident } from '../../domain/index.js';

const SEVERITY: Record<Incident['severity'], string> = {
  sev1: ':red_circle: SEV1',
  sev2: ':large_orange_circle: SEV2',
  sev3: ':large_yellow_circle: SEV3',
  sev4: ':white_circle: SEV4',
};

/** `service-down:app1/trade_executor` → `app1/trade_executor`; a hand-declared one has no place. */
function whereOf(incident: Incident): string {
  if (incident.fingerprint.startsWith('manual:')) return 'declared by hand';
  const [, place] = incident.fingerprint.split(/:(.*)/s);
  return `\`${escapeText(place ?? incident.fingerprint)}\``;
}

function who(id: string): string {
  return /^[UW][A-Z0-9]+$/.test(id) ? `<@${id}>` : `\`${escapeText(id)}\``;
}

/** Where a cause's thread is: a link once its parent is posted, its id and title before. */
export function incidentLink(incident: Incident): string {
  const label = `incident ${shortId(incident.id)} — ${escapeText(incident.title)}`;
  if (!incident.channel || !incident.threadTs) return `\`${shortId(incident.id)}\` (${escapeText(incident.title)})`;
  return `<https://slack.com/archives/${incident.channel}/p${incident.threadTs.replace('.', '')}|${label}>`;
}

/** The reply in a symptom incident's thread once its cause's incident took it in. */
export function renderMergedReply(cause: Incident): string {
  return (
    `:twisted_rightwards_arrows: Merged into ${incidentLink(cause)}: ` +
    'that is the cause, and everything goes on in its thread.'
  );
}

/**
 * Run recovery: when the incident's runbook restores a dump (`restoring`, from the runbooks as
 * loaded), the button opens the dump picker first; otherwise it starts the runbook at once.
 */
export function recoveryButton(incident: Incident, restoring: ReadonlySet<string> = new Set()) {
  const id = restoring.has(incident.scenario ?? '') ? ActionId.runRecoveryPickDump : ActionId.runRecovery;
  return button('Run recovery', id, incident.id);
}

/** What the runbooks as loaded offer on a parent beyond its own buttons (publisher-render.ts passes them). */
export interface RecoveryOffers {
  /** The scenarios whose runbook restores a dump (scenariosRestoringDump): Run recovery opens the dump picker. */
  restoringDump?: ReadonlySet<string> | undefined;
  /** The pitr-restore runbook is loaded: those same incidents offer Point-in-time restore. */
  offersPitr?: boolean | undefined;
}

/**
 * Point-in-time restore, beside Run recovery, on an incident whose runbook restores a dump (the
 * damage a dump would repair: a PITR loses less) when the pitr-restore runbook is loaded. Whether
 * the db host has PITR is known only when its window is read: the modal says so if it cannot be.
 */
function pitrButton(incident: Incident, offers: RecoveryOffers) {
  const dumping = offers.restoringDump?.has(incident.scenario ?? '') ?? false;
  return offers.offersPitr === true && dumping
    ? [button('Point-in-time restore', ActionId.pitrRestore, incident.id)]
    : [];
}

/**
 * An incident's parent message — the thread everything after it goes into: what failed, where,
 * since when, how bad, and its buttons (Acknowledge while open, Resolve once mitigated, Run
 * recovery when a runbook matches, Point-in-time restore when it applies, Open checklist). A
 * resolved incident keeps its facts and only offers the system_architect's root cause and follow-ups.
 */
export function renderIncidentParent(
  incident: Incident,
  mark?: string,
  offers: RecoveryOffers = {},
): { text: string; blocks: Block[] } {
  const security = incident.kind === 'security' ? ' :shield: security' : incident.kind === 'drill' ? ' (drill)' : '';
  const resolvedBy = incident.resolvedBy ? ` by ${who(incident.resolvedBy)}` : '';
  const resolvedAt = incident.resolvedAt ? ` at ${slackTime(incident.resolvedAt)}` : '';
  const ackedBy = incident.acknowledgedBy ? ` by ${who(incident.acknowledgedBy)}` : '';
  const ackedAt = incident.acknowledgedAt ? ` at ${slackTime(incident.acknowledgedAt)}` : '';
  const status =
    incident.mergedInto !== null
      ? `:twisted_rightwards_arrows: *Merged* into incident \`${shortId(incident.mergedInto)}\`, ` +
        'its cause: everything goes on in that thread'
      : incident.status === 'resolved'
        ? `:white_check_mark: *Resolved*${resolvedBy}${resolvedAt}`
        : incident.status === 'mitigated'
          ? ':large_green_circle: *Mitigated* — the checklist is green and the probes are healthy. Resolve?' +
            (incident.acknowledgedBy ? ` (acknowledged${ackedBy})` : '')
          : incident.status === 'acknowledged' || incident.acknowledgedBy
            ? `:eyes: Acknowledged${ackedBy}${ackedAt}`
            : ':rotating_light: *Open* — not acknowledged yet';
  const seen = incident.occurrences > 1 ? ` · seen ${incident.occurrences}×` : '';
  const recoveredAfterMin =
    incident.recoveredAt === null
      ? 0
      : Math.max(0, Math.round((incident.recoveredAt.getTime() - incident.openedAt.getTime()) / 60_000));
  const moreSymptoms = incident.symptoms.length > 40 ? ` and ${incident.symptoms.length - 40} more` : '';
  const runbook = incident.scenario ? ` · runbook \`${escapeText(incident.scenario)}\`` : '';
  const blocks: Block[] = [
    header(`${incident.status === 'resolved' ? 'Resolved: ' : ''}${incident.title}`),
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*What failed*\n${escapeText(incident.title)}` },
        { type: 'mrkdwn', text: `*Where*\n${whereOf(incident)}` },
        { type: 'mrkdwn', text: `*Since*\n${slackTime(incident.openedAt)}` },
        { type: 'mrkdwn', text: `*Severity*\n${SEVERITY[incident.severity]}${security}` },
      ],
    },
    section(status),
    ...(mark ? [section(mark)] : []),
    ...(incident.recoveredAt !== null && incident.status !== 'resolved'
      ? [section(`:white_check_mark: Recovered at ${slackTime(incident.recoveredAt)}, after ${recoveredAfterMin} min`)]
      : []),
    ...(incident.symptoms.length > 0
      ? [
          section(
            `*Symptoms* (no threads of their own): ${escapeText(incident.symptoms.slice(0, 40).join(', '))}` +
              moreSymptoms,
          ),
        ]
      : []),
    context(
      `Incident \`${shortId(incident.id)}\` · opened by ${who(incident.openedBy)}${runbook}${seen} · ` +
        'everything about it goes in this thread',
    ),
  ];
  if (incident.status === 'resolved') {
    // What is left to do after resolving is the system_architect's part of the report.
    blocks.push(
      actions(BlockId.incidentActions, [
        button(incident.rootCause ? 'Edit root cause' : 'Root cause & follow-ups', ActionId.rootCause, incident.id),
      ]),
    );
  } else {
    blocks.push(
      actions(BlockId.incidentActions, [
        ...(incident.status === 'open' ? [button('Acknowledge', ActionId.ackIncident, incident.id, 'primary')] : []),
        ...(incident.status === 'mitigated'
          ? [button('Resolve', ActionId.resolveIncident, incident.id, 'primary')]
          : []),
        ...(incident.scenario ? [recoveryButton(incident, offers.restoringDump)] : []),
        ...pitrButton(incident, offers),
        button('Open checklist', ActionId.openChecklist, incident.id),
      ]),
    );
  }
  return {
    text: fallbackText(
      `${incident.status === 'resolved' ? 'Resolved' : 'Incident'} (${incident.severity}): ` +
        escapeText(incident.title),
    ),
    blocks,
  };
}
