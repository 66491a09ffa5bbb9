import { ErrorCode, RecioError } from '@recio/protocol/errors';
import type { Actor, Origin } from '../domain/index.js';
import type { Vocabulary } from '../intents/intent.js';
import type { RunEngine, StartRunInput } from '../runbooks/engine.js';
import type { Runbooks } from '../runbooks/loader.js';
import { withPickedDump } from '../runbooks/picked-dump.js';
import { type FleetView, planRun, type RunParams } from '../runbooks/plan.js';
import type { Store } from '../store/index.js';
import type { Answer } from './types.js';

export interface RunRequestsDeps {
  store: Pick<Store, 'incidents'>;
  engine: RunEngine;
  runbooks: Runbooks;
  fleet: FleetView;
  vocabulary: Vocabulary;
  opsChannel?: string | undefined;
}

/** A run as a person asks for it: what it is called, its steps and where it talks. */
export interface RunRequest {
  scenario: string;
  title: string;
  steps: StartRunInput['steps'];
  params?: Record<string, string | boolean>;
  dryRun?: boolean;
  incidentId?: string;
}

/**
 * Turns a request (a runbook and its value, or ad hoc steps) into a started, driven run: keyed by
 * the request's delivery so a retried delivery lands on the run the first one started, told in
 * the thread it was asked from (and so tied to that thread's incident).
 */
export class RunRequests {
  constructor(private readonly deps: RunRequestsDeps) {}

  async runRunbook(
    scenario: string,
    value: string | undefined,
    dryRun: boolean,
    actor: Actor,
    origin: Origin,
    extra: { incidentId?: string; restoreFile?: string } = {},
  ): Promise<Answer> {
    const runbook = this.deps.runbooks.get(scenario);
    if (runbook === undefined) throw new RecioError(ErrorCode.NotFound, `no runbook "${scenario}"`);
    const [firstParam] = Object.keys(runbook.params);
    if (firstParam === undefined && value !== undefined)
      throw new RecioError(ErrorCode.InvalidParams, `${scenario} takes no value (got \`${value}\`)`);
    const values: RunParams = firstParam !== undefined && value !== undefined ? { [firstParam]: value } : {};
    const isService = firstParam !== undefined && runbook.params[firstParam]?.kind === 'service';
    if (isService && value !== undefined && !this.deps.vocabulary.services.includes(value)) {
      throw new RecioError(ErrorCode.UnknownService, `unknown service \`${value}\``);
    }
    const planned = planRun(runbook, values, this.deps.fleet);
    const { restoreFile, ...tie } = extra;
    const steps = restoreFile === undefined ? planned : withPickedDump(planned, restoreFile, scenario);
    const title = `${runbook.title}${value ? ` (${value})` : ''}`;
    const params = { ...values, ...(runbook.parallel ? { parallel: true } : {}) };
    return this.start({ scenario, title, steps, params, dryRun, ...tie }, actor, origin);
  }

  async start(request: RunRequest, actor: Actor, origin: Origin): Promise<Answer> {
    const { run, created } = await this.deps.engine.start({
      scenario: request.scenario,
      title: request.title,
      steps: request.steps,
      params: request.params ?? {},
      requestedBy: actor.id,
      dedupeKey: `run:${origin.deliveryKey}`,
      channel: origin.channel ?? this.deps.opsChannel ?? null,
      threadTs: origin.threadTs ?? null,
      incidentId: request.incidentId ?? (await this.incidentOfThread(origin)) ?? null,
      dryRun: request.dryRun ?? false,
      requestId: origin.requestId,
    });
    // A repeated delivery finds the run the first one started and does not drive it a second time.
    const done = created ? this.deps.engine.drive(run.id, actor.id) : Promise.resolve(run);
    return { type: 'run', run, created, title: request.title, done };
  }

  private async incidentOfThread(origin: Origin): Promise<string | undefined> {
    if (origin.threadTs === undefined || origin.channel === undefined) return undefined;
    return (await this.deps.store.incidents.findByThread(origin.channel, origin.threadTs))?.id;
  }
}
