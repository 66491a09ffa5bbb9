import type { HostRole } from '../config.js';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import type { StepInput } from '../store/index.js';
import type { RunbookSpec, StepSpec } from './schema.js';
import type { JsonObject } from '../domain/index.js';

/** The host name bot-side checks run on: the bot itself. */
export const BOT_HOST = 'recio';

/**
 * How a planned step behaves, kept with it in the store so a run does what its runbook said when it
 * was started, even if the YAML changed since.
 */
export interface StepPlan {
  /** The runbook step id (`check-db`); a for_each or multi-host step shares it. */
  key: string;
  when?: { step: string; outcome: 'succeeded' | 'failed' | 'skipped' };
  onFailure: 'stop' | 'continue';
  timeoutMs: number;
  /** `fromDetected`: the window counts from the run's incident's detection, not from the step's start. */
  retry?: { everyMs: number; withinMs: number; fromDetected?: boolean };
  /** A button that ends the retry wait (and says yes to the `confirms` step, by its key). */
  cutShort?: { label: string; confirms?: string };
  note?: string;
  /** What the host+service lock is taken on, for actions that change a service. */
  lockService?: string;
}

/** What the planner needs to know of the fleet. */
export interface FleetView {
  withRole(role: HostRole): string[];
}

export type RunParams = Record<string, string>;

const TEMPLATE = /^\{\{([a-z_]+)\}\}$/;

function fillValue(value: unknown, values: RunParams): unknown {
  if (typeof value === 'string') {
    const ref = TEMPLATE.exec(value)?.[1];
    return ref === undefined ? value : (values[ref] ?? null);
  }
  if (Array.isArray(value)) return value.map((v) => fillValue(v, values));
  return value;
}

function fill(params: Record<string, unknown>, values: RunParams): JsonObject {
  return Object.fromEntries(
    Object.entries(params).map(([key, value]) => [key, fillValue(value, values)]),
  ) as JsonObject;
}

/** `Restart {{service}}` → `Restart trade_executor`. */
export function fillTitle(title: string, values: RunParams): string {
  return title.replace(/\{\{([a-z_]+)\}\}/g, (whole, name: string) => values[name] ?? whole);
}

function lockServiceOf(action: string, params: JsonObject): string | undefined {
  if (action.startsWith('service.') && action !== 'service.status' && action !== 'service.tail')
    return String(params.service);
  if (action === 'db.restart' || action === 'db.restore') return 'postgresql';
  if (action === 'deploy.rollback') return 'release';
  return undefined;
}

function planStep(spec: StepSpec, host: string, params: JsonObject, title: string): StepInput & { spec: StepPlan } {
  const lockService = host === BOT_HOST ? undefined : lockServiceOf(spec.action, params);
  return {
    title,
    host,
    action: spec.action,
    params,
    approval: spec.approval,
    idempotent: spec.idempotent,
    spec: {
      key: spec.id,
      ...(spec.when ? { when: spec.when } : {}),
      onFailure: spec.on_failure,
      timeoutMs: spec.timeout,
      ...(spec.retry
        ? {
            retry: {
              everyMs: spec.retry.every,
              withinMs: spec.retry.within,
              ...(spec.retry.from === 'detected' ? { fromDetected: true } : {}),
            },
          }
        : {}),
      ...(spec.cut_short
        ? {
            cutShort: {
              label: spec.cut_short.label,
              ...(spec.cut_short.confirms ? { confirms: spec.cut_short.confirms } : {}),
            },
          }
        : {}),
      ...(spec.note ? { note: spec.note } : {}),
      ...(lockService ? { lockService } : {}),
    },
  };
}

/**
 * Turns a runbook and its parameters into the concrete steps of a run: one per host with the step's
 * role (and per for_each value), params filled in. Refuses missing parameters and roles no host has.
 */
export function planRun(
  runbook: RunbookSpec,
  values: RunParams,
  fleet: FleetView,
): Array<StepInput & { spec: StepPlan }> {
  for (const [name, param] of Object.entries(runbook.params)) {
    if (param.required && (values[name] === undefined || values[name] === '')) {
      throw new RecioError(ErrorCode.InvalidParams, `${runbook.id} needs \`${name}\` (${param.kind})`);
    }
  }
  const steps: Array<StepInput & { spec: StepPlan }> = [];
  for (const spec of runbook.steps) {
    const hosts = spec.role === undefined ? [BOT_HOST] : fleet.withRole(spec.role);
    if (hosts.length === 0)
      throw new RecioError(
        ErrorCode.UnknownHost,
        `${runbook.id}: step ${spec.id} needs a host with role ${spec.role}, and the fleet has none`,
      );
    const variants = spec.for_each
      ? spec.for_each.values.map((v) => ({ ...values, [spec.for_each!.param]: v }))
      : [values];
    for (const variant of variants) {
      for (const host of hosts) {
        const params = fill(spec.params, variant);
        const suffix = [
          spec.for_each && !spec.title.includes(`{{${spec.for_each.param}}}`)
            ? ` — ${variant[spec.for_each.param]}`
            : '',
          hosts.length > 1 ? ` on ${host}` : '',
        ].join('');
        steps.push(planStep(spec, host, params, `${fillTitle(spec.title, variant)}${suffix}`));
      }
    }
  }
  return steps;
}
