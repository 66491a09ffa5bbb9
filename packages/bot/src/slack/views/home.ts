import type { HomeView } from '@slack/types';
import { allows, ROLES, type Role } from '../../access/roles.js';
import type { FleetOverview } from '../../operations/fleet-overview.js';
import { ActionId, BlockId, CallbackId } from '../ids.js';
import { renderHosts, type HealthLimits } from './home-hosts.js';
import { actions, button, clip, context, escapeText, header, Limits, section, slackTime, type Block } from './kit.js';
import { NEEDS_REVIEW, type BreakGlass, type Incident } from '../../domain/index.js';
import { restoreTestText } from '../../operations/backup-listing.js';
import type { BackupCheck } from '../../store/index.js';

/** An open incident and the link to its thread, once it has one. */
export interface HomeIncident {
  incident: Incident;
  link?: string;
}

/** Everything one person's Home shows, read before rendering: rendering itself asks nothing. */
export interface HomeState {
  viewer: { id: string; roles: readonly Role[] };
  /** Undefined until the hosts have answered once. */
  overview?: FleetOverview;
  /** A fresher reading of the hosts is on its way. */
  reading: boolean;
  /** Or why they could not be read (the store is down: the Home still shows the hosts). */
  incidents: HomeIncident[] | { error: string };
  /** The nightly restore test's last result per db host, or why it could not be read. */
  restoreTests?: BackupCheck[] | { error: string };
  limits: HealthLimits;
  /** Break-glasses nobody has reviewed yet (or why they could not be read). */
  breakGlass?: BreakGlass[] | { error: string };
  /** The answer to this person's last click in the Home. */
  notice?: { text: string; at: Date };
  /** The last drill (§5: each quarter) and the scenario next in turn; undefined when it could not be read. */
  drill?: { lastAt: Date | null; lastScenario: string | null; next: string };
}

const SEVERITY: Record<Incident['severity'], string> = {
  sev1: ':red_circle:',
  sev2: ':large_orange_circle:',
  sev3: ':large_yellow_circle:',
  sev4: ':white_circle:',
};
const STATUS: Record<Incident['status'], string> = {
  open: 'open, not acknowledged',
  acknowledged: 'acknowledged',
  mitigated: 'mitigated — Resolve?',
  resolved: 'resolved',
};
const MAX_INCIDENTS = 10;
const VALUE = 'home';

const NO_ROLE =
  `You hold none of the plan's roles (${ROLES.join(', ')}), so recio shows you no recovery state here ` +
  'and offers no actions. A lead_operator can add you ' +
  '(RECIO_LEAD_OPERATORS and its siblings, user ids or user groups).';

function globalActions(roles: readonly Role[]): Block[] {
  const buttons = [
    ...(allows(roles, 'view') ? [button('Open checklist', ActionId.homeChecklist, VALUE, 'primary')] : []),
    ...(allows(roles, 'operate')
      ? [
          button('Back up now', ActionId.homeBackup, VALUE),
          button('Restart a service…', ActionId.homeRestart, VALUE),
          button('Start a drill', ActionId.startDrill, VALUE),
        ]
      : []),
  ];
  const blocks: Block[] = buttons.length > 0 ? [actions(BlockId.homeActions, buttons)] : [];
  if (!allows(roles, 'operate'))
    blocks.push(context('Backing up, restarting and acknowledging are for a lead_operator.'));
  return blocks;
}

/** §5 asks for a drill each quarter: when the last one was, in the Home where people look. */
function drillLine(drill: HomeState['drill']): Block[] {
  if (drill === undefined) return [];
  const last =
    drill.lastAt === null
      ? '*never*'
      : `${slackTime(drill.lastAt)}${drill.lastScenario ? ` (${escapeText(drill.lastScenario)})` : ''}`;
  return [context(`:test_tube: Last drill: ${last} · next in turn: ${escapeText(drill.next)}`)];
}

function incidentButtons(incident: Incident, roles: readonly Role[], i: number): Block[] {
  // A security incident is acted on by its role holders only (the desk refuses the rest anyway).
  if (incident.kind === 'security' && !allows(roles, 'security')) return [];
  const buttons = [
    ...(incident.status === 'open' && allows(roles, 'operate')
      ? [button('Acknowledge', ActionId.ackIncident, incident.id, 'primary')]
      : []),
    ...(allows(roles, 'view') ? [button('Open checklist', ActionId.openChecklist, incident.id)] : []),
  ];
  return buttons.length === 0 ? [] : [actions(`${BlockId.homeIncidentActions}_${i}`, buttons)];
}

function incidentBlocks(incidents: HomeState['incidents'], roles: readonly Role[]): Block[] {
  if (!Array.isArray(incidents))
    return [section(`*Open incidents*\n:heavy_multiplication_x: Could not be read: ${escapeText(incidents.error)}`)];
  if (incidents.length === 0) return [section('*Open incidents*\n:white_check_mark: None.')];
  const blocks: Block[] = [section(`*Open incidents* (${incidents.length})`)];
  for (const [i, { incident, link }] of incidents.slice(0, MAX_INCIDENTS).entries()) {
    const thread = link ? `<${link}|open its thread>` : '_its thread is not posted yet_';
    const security = incident.kind === 'security' ? ' :shield:' : '';
    blocks.push(
      section(
        `${SEVERITY[incident.severity]}${security} *${escapeText(clip(incident.title, 200))}* — ` +
          `${STATUS[incident.status]}, since ${slackTime(incident.openedAt)} · ${thread}`,
      ),
    );
    blocks.push(...incidentButtons(incident, roles, i));
  }
  if (incidents.length > MAX_INCIDENTS)
    blocks.push(
      context(`_… and ${incidents.length - MAX_INCIDENTS} more open: their threads are in the ops channel._`),
    );
  return blocks;
}

/** "Can last night's dump be restored?" — one line per db host, from the nightly restore test. */
function restoreTestBlocks(tests: HomeState['restoreTests']): Block[] {
  if (tests === undefined) return [];
  if (!Array.isArray(tests))
    return [context(`:heavy_multiplication_x: Nightly restore test: could not be read: ${escapeText(tests.error)}`)];
  if (tests.length === 0) return [context(':grey_question: Nightly restore test: no result yet (it runs at 04:30).')];
  return [
    context(
      ...tests.slice(0, 10).map((t) => `${t.ok ? ':white_check_mark:' : ':x:'} ${escapeText(restoreTestText(t))}`),
    ),
  ];
}

const MAX_BREAKS = 5;

/** Unreviewed break-glasses stay on everyone's Home until reviewed; reviewers get the button. */
function breakGlassBlocks(records: HomeState['breakGlass'], viewer: HomeState['viewer']): Block[] {
  if (records === undefined) return [];
  if (!Array.isArray(records))
    return [section(`*Break-glass reviews*\n:heavy_multiplication_x: Could not be read: ${escapeText(records.error)}`)];
  if (records.length === 0) return [];
  const blocks: Block[] = [section(`:rotating_light: *Break-glass — needs review* (${records.length})`)];
  for (const [i, record] of records.slice(0, MAX_BREAKS).entries()) {
    blocks.push(
      section(
        `<@${record.brokenBy}> at ${slackTime(record.brokenAt)} — ${NEEDS_REVIEW}\n` +
          `_${escapeText(clip(record.reason, 300))}_`,
      ),
    );
    if (allows(viewer.roles, 'review_break_glass') && record.brokenBy !== viewer.id)
      blocks.push(
        actions(`${BlockId.homeBreakGlassActions}_${i}`, [
          button('Review', ActionId.reviewBreakGlass, record.id, 'primary'),
        ]),
      );
  }
  if (records.length > MAX_BREAKS) blocks.push(context(`_… and ${records.length - MAX_BREAKS} more._`));
  return [...blocks, { type: 'divider' }];
}

/**
 * A person's App Home: per host the programs and the database, feed and backup readings, the open
 * incidents with links to their threads, and only the buttons the person's roles allow. Someone
 * without a role sees why, and nothing else. Fits Slack's 100 blocks for a Home.
 */
export function renderHome(state: HomeState): HomeView {
  const { viewer } = state;
  const roles = viewer.roles.length > 0 ? viewer.roles.join(', ') : 'none';
  const read = state.overview ? `hosts read ${slackTime(state.overview.readAt)}` : 'reading the hosts…';
  const blocks: Block[] = [
    header('REC.IO recovery'),
    context(
      `<@${viewer.id}> · your roles: ${roles} · ${read}` +
        (state.overview && state.reading ? ' · reading them again…' : ''),
    ),
  ];
  if (state.notice) blocks.push(section(`:speech_balloon: ${clip(state.notice.text, Limits.sectionText - 20)}`));
  if (viewer.roles.length === 0) {
    blocks.push(section(`:no_entry: ${NO_ROLE}`));
    return { type: 'home', callback_id: CallbackId.home, blocks };
  }
  blocks.push(
    ...globalActions(viewer.roles),
    ...drillLine(state.drill),
    { type: 'divider' },
    ...breakGlassBlocks(state.breakGlass, viewer),
    ...incidentBlocks(state.incidents, viewer.roles),
    ...restoreTestBlocks(state.restoreTests),
    { type: 'divider' },
  );
  if (state.overview) blocks.push(...renderHosts(state.overview, state.limits, Limits.blocksPerView - blocks.length));
  else
    blocks.push(section(':hourglass_flowing_sand: Asking every host for its programs, database, feeds and backups…'));
  return { type: 'home', callback_id: CallbackId.home, blocks: blocks.slice(0, Limits.blocksPerView) };
}
