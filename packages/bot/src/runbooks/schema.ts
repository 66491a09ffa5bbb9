import { z } from 'zod';
import { HostRole } from '../config.js';
import { ACTION_NAMES } from '@recio/protocol/actions';

/**
 * Checks the bot runs itself rather than on a host: provider health endpoints, feed freshness, the
 * web UI, and a box a person ticks. They share the step model with agent actions.
 */
export const BOT_CHECKS = ['check.providers', 'check.feeds', 'check.web', 'check.manual', 'check.services'] as const;
export type BotCheck = (typeof BOT_CHECKS)[number];

const KNOWN_ACTIONS: readonly string[] = [...ACTION_NAMES, ...BOT_CHECKS];

/** `30s`, `5m`, `1h` or a number of seconds. */
export const Duration = z
  .union([z.number().int().positive(), z.string().regex(/^\d+(?:ms|s|m|h)$/, 'expected a duration like 30s, 5m or 1h')])
  .transform((value) => {
    if (typeof value === 'number') return value * 1000;
    const match = /^(\d+)(ms|s|m|h)$/.exec(value)!;
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
    return Number(match[1]) * unit;
  });

const StepId = z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, 'expected a step id like check-db');

/** Run a step only if an earlier one ended a given way: "restart it if down", "restore if corrupted". */
export const StepCondition = z.strictObject({
  step: StepId,
  outcome: z.enum(['succeeded', 'failed', 'skipped']),
});

export const StepSpec = z.strictObject({
  id: StepId,
  title: z.string().min(1).max(120),
  /** Which hosts: every host with this role (`db`, `app`, `web`), or the bot itself for checks. */
  role: HostRole.optional(),
  action: z.string().refine((a) => KNOWN_ACTIONS.includes(a), {
    error: (issue) => `unknown action "${String(issue.input)}" (known: ${KNOWN_ACTIONS.join(', ')})`,
  }),
  /** Values may name a run parameter as `{{name}}`. */
  params: z.record(z.string(), z.unknown()).default({}),
  /** One step per value, e.g. the four dependents the plan restarts after a DB failure. */
  for_each: z.strictObject({ param: z.string().min(1), values: z.array(z.string().min(1)).min(1).max(20) }).optional(),
  approval: z.enum(['none', 'confirm', 'second_person']).default('none'),
  timeout: Duration.default(60_000),
  on_failure: z.enum(['stop', 'continue']).default('stop'),
  idempotent: z.boolean().default(false),
  when: StepCondition.optional(),
  /**
   * Probe again every `every` until it passes or `within` has gone by: "ticks live as checks pass".
   * `from: detected` counts `within` from when the run's incident was detected, not from the click
   * (§1.3 "reconnects by itself within 15 min" is 15 minutes of outage, not of waiting).
   */
  retry: z
    .strictObject({ every: Duration, within: Duration, from: z.enum(['step', 'detected']).default('step') })
    .optional(),
  /**
   * While the step retries, a lead_operator may end the wait with this button (the step ends failed,
   * so what follows a failure runs); `confirms` is a later `confirm` step the click also says yes to.
   */
  cut_short: z.strictObject({ label: z.string().min(1).max(40), confirms: StepId.optional() }).optional(),
  /** Shown under the step: why it is there, what to look at if it fails. */
  note: z.string().max(500).optional(),
});
export type StepSpec = z.infer<typeof StepSpec>;

export const RunParamSpec = z.strictObject({
  kind: z.enum(['service', 'tag', 'text']),
  required: z.boolean().default(true),
  description: z.string().max(200).optional(),
});

export const RunbookSpec = z
  .strictObject({
    id: z.string().regex(/^[a-z][a-z0-9-]{0,40}$/),
    title: z.string().min(1).max(120),
    /** The plan's section, e.g. "1.1". */
    plan: z.string().max(10).optional(),
    symptoms: z.array(z.string().min(1)).default([]),
    params: z.record(z.string().regex(/^[a-z][a-z_]{0,30}$/), RunParamSpec).default({}),
    steps: z.array(StepSpec).min(1),
    v3_note: z.string().max(300).optional(),
    /** Run every automated step at once (a checklist), rather than one after another. */
    parallel: z.boolean().default(false),
  })
  .superRefine((runbook, ctx) => {
    const seen = new Map<string, number>();
    runbook.steps.forEach((step, index) => {
      if (seen.has(step.id))
        ctx.addIssue({
          code: 'custom',
          path: ['steps', index, 'id'],
          message: `duplicate step id "${step.id}" (also steps[${seen.get(step.id)}])`,
        });
      if (step.when && !seen.has(step.when.step)) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', index, 'when', 'step'],
          message: `"${step.when.step}" is not an earlier step`,
        });
      }
      seen.set(step.id, index);
      if (step.cut_short && !step.retry)
        ctx.addIssue({
          code: 'custom',
          path: ['steps', index, 'cut_short'],
          message: 'only a step that retries has a wait to cut short: give it `retry`',
        });
      const confirms = step.cut_short?.confirms;
      if (confirms !== undefined) {
        const target = runbook.steps.findIndex((s) => s.id === confirms);
        if (target <= index || runbook.steps[target]!.approval !== 'confirm')
          ctx.addIssue({
            code: 'custom',
            path: ['steps', index, 'cut_short', 'confirms'],
            message: `"${confirms}" is not a later step with approval: confirm`,
          });
      }
      const isCheck = (BOT_CHECKS as readonly string[]).includes(step.action);
      if (!isCheck && step.role === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['steps', index, 'role'],
          message: `${step.action} runs on a host: give its role (db, app or web)`,
        });
      for (const [key, value] of Object.entries(step.params)) {
        for (const item of Array.isArray(value) ? value : [value]) {
          const ref = typeof item === 'string' ? /^\{\{([a-z_]+)\}\}$/.exec(item)?.[1] : undefined;
          if (ref !== undefined && !(ref in runbook.params) && ref !== step.for_each?.param) {
            ctx.addIssue({
              code: 'custom',
              path: ['steps', index, 'params', key],
              message: `{{${ref}}} is not a parameter of this runbook`,
            });
          }
        }
      }
    });
  });
export type RunbookSpec = z.infer<typeof RunbookSpec>;
