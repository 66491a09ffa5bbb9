import type { DrillResult } from './drill-types.js';
import { CHECKLIST_CHECKS, planStepsFor } from './plan-steps.js';

export const seconds = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);

/** The result as a person reads it: the CLI prints these lines, Slack posts them in the drill's thread. */
export function formatDrillResult(r: DrillResult): string[] {
  const plan = planStepsFor(r.scenario, r.variant);
  return [
    `Drill ${r.scenario} (${r.variant}) on ${r.target}: ${r.ok ? 'PASSED' : 'FAILED'} — drill ${r.drillId.slice(0, 8)}`,
    `  break took         ${seconds(r.breakTookMs)}`,
    `  break → detected   ${seconds(r.timeToDetectMs)}${r.incidentId ? ` (incident ${r.incidentId.slice(0, 8)})` : ''}`,
    `  break → recovered  ${seconds(r.timeToRecoveredMs)}`,
    `  break → green      ${seconds(r.timeToGreenMs)}`,
    `  break → resolved   ${seconds(r.timeToResolvedMs)}`,
    `  operator actions   ${r.operatorActions.length}: ${r.operatorActions.join('; ') || 'none'}`,
    `  the plan (§${plan.section}): ${plan.commands.length} commands typed by hand` +
      `${plan.also ? `, then ${plan.also}` : ''}; §3 checklist: ${CHECKLIST_CHECKS} checks by hand`,
    ...(r.alsoOpened.length > 0 ? [`  also opened by the monitor: ${r.alsoOpened.join('; ')}`] : []),
    ...r.failures.map((f) => `  FAILED: ${f}`),
  ];
}

/** The drill's report, kept on its incident (kind `drill`). */
export function renderDrillReport(r: DrillResult): string {
  const plan = planStepsFor(r.scenario, r.variant);
  const row = (what: string, ms: number | undefined) => `| ${what} | ${seconds(ms)} |`;
  return [
    `# Drill: ${r.scenario} (${r.variant}) — ${r.ok ? 'passed' : 'FAILED'}`,
    '',
    `Target: \`${r.target}\` · started ${r.startedAt} · incident opened by the monitor: ${r.incidentId ?? 'none'}`,
    '',
    '| From the start of the break to | Time |',
    '|---|---|',
    row('fault in effect (the break itself)', r.breakTookMs),
    row('detected (incident opened)', r.timeToDetectMs),
    row('recovered (recovery run done)', r.timeToRecoveredMs),
    row('checklist green', r.timeToGreenMs),
    row('resolved', r.timeToResolvedMs),
    '',
    `## Operator actions (${r.operatorActions.length})`,
    '',
    ...r.operatorActions.map((a, i) => `${i + 1}. ${a}`),
    '',
    `## The plan by hand (§${plan.section})`,
    '',
    ...plan.commands.map((c) => `- \`${c}\``),
    ...(plan.also ? [`- then ${plan.also}`] : []),
    `- and the §3 checklist: ${CHECKLIST_CHECKS} checks`,
    '',
    '## What failed',
    '',
    ...(r.failures.length === 0 ? ['Nothing.'] : r.failures.map((f) => `- ${f}`)),
    ...(r.alsoOpened.length > 0 ? ['', '## Also opened by the monitor', '', ...r.alsoOpened.map((a) => `- ${a}`)] : []),
    '',
  ].join('\n');
}
