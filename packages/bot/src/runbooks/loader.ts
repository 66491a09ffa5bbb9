import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { ActionParams, isActionName } from '@recio/protocol/actions';
import { formatIssuePath, formatIssues } from '@recio/protocol/zod-issues';
import { RunbookSpec, type StepSpec } from './schema.js';
import { checkStepPolicy } from './step-policy.js';
import { TOPOLOGY_FILE } from './topology.js';

/** Stand-ins for `{{param}}` when a step's params are checked at load time, by parameter kind. */
const SAMPLE_VALUES = {
  service: 'trade_executor',
  tag: 'v1.0.0',
  text: 'sample',
  time: '2026-01-01T00:00:00Z',
} as const;

/** The runbooks of `commands/`, by id. */
export type Runbooks = ReadonlyMap<string, RunbookSpec>;

/**
 * Reads every `*.yml` in the runbook dir and checks it: the schema, the file name, each step's
 * params against its action's own schema, and each step against its action's traits
 * (./step-policy.ts: a dangerous action needs a second person; a change is never idempotent). Throws one error
 * listing every problem as
 * `commands/<file>: <path>: <message>`.
 */
export function loadRunbooks(dir: string, displayDir = relative(process.cwd(), dir) || dir): Runbooks {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => (f.endsWith('.yml') || f.endsWith('.yaml')) && f !== TOPOLOGY_FILE)
      .sort();
  } catch (error) {
    throw new RecioError(ErrorCode.ConfigInvalid, `cannot read the runbook dir ${dir}: ${(error as Error).message}`);
  }
  const problems: string[] = [];
  const runbooks = new Map<string, RunbookSpec>();
  for (const file of files) {
    const name = `${displayDir}/${file}`;
    const result = parseRunbook(readFileSync(join(dir, file), 'utf8'), name, basename(file).replace(/\.ya?ml$/, ''));
    if (Array.isArray(result)) problems.push(...result);
    else runbooks.set(result.id, result);
  }
  if (files.length === 0) problems.push(`${displayDir}: no runbooks (*.yml) found`);
  if (problems.length > 0) {
    throw new RecioError(ErrorCode.ConfigInvalid, `invalid runbooks:\n  ${problems.join('\n  ')}`, { problems });
  }
  return runbooks;
}

export function parseRunbook(text: string, fileName: string, expectedId: string): RunbookSpec | string[] {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    return [`${fileName}: not valid YAML: ${(error as Error).message.split('\n')[0]}`];
  }
  const parsed = RunbookSpec.safeParse(raw);
  if (!parsed.success) return formatIssues(parsed.error, `${fileName}: `);
  const runbook = parsed.data;
  const problems: string[] = [];
  if (runbook.id !== expectedId)
    problems.push(`${fileName}: id: "${runbook.id}" must match the file name "${expectedId}"`);
  for (const [index, step] of runbook.steps.entries()) {
    problems.push(...checkStepParams(runbook, step, index).map((p) => `${fileName}: ${p}`));
    problems.push(...checkStepPolicy(step, index).map((p) => `${fileName}: ${p.message}`));
  }
  return problems.length > 0 ? problems : runbook;
}

/** An agent action's params, with `{{param}}` replaced by a sample of its kind, must pass the action's schema. */
function checkStepParams(runbook: RunbookSpec, step: StepSpec, index: number): string[] {
  if (!isActionName(step.action)) return [];
  const sample = Object.fromEntries(
    Object.entries(step.params).map(([key, value]) => {
      const ref = typeof value === 'string' ? /^\{\{([a-z_]+)\}\}$/.exec(value)?.[1] : undefined;
      if (ref === undefined) return [key, value];
      const kind = ref === step.for_each?.param ? 'service' : (runbook.params[ref]?.kind ?? 'text');
      return [key, SAMPLE_VALUES[kind]];
    }),
  );
  if (step.for_each) sample[step.for_each.param] = step.for_each.values[0];
  const parsed = ActionParams[step.action].safeParse(sample);
  if (parsed.success) return [];
  return parsed.error.issues.map(
    (issue) => `${formatIssuePath(['steps', index, 'params', ...issue.path])}: ${issue.message}`,
  );
}
