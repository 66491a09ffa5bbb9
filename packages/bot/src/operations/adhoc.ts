import { ErrorCode, RecioError } from '@recio/protocol/errors';
import type { StepInput } from '../store/index.js';
import type { FleetView, StepPlan } from '../runbooks/plan.js';

/**
 * The host a service command goes to: the one named, or the only app host. With several app hosts
 * the person must say which (`on <host>`): guessing where to restart a trading service is not ours.
 */
export function pickServiceHost(fleet: FleetView, named: string | undefined): string {
  if (named !== undefined) return named;
  const apps = fleet.withRole('app');
  if (apps.length === 1) return apps[0]!;
  if (apps.length === 0) throw new RecioError(ErrorCode.UnknownHost, 'no host with the app role in the fleet');
  throw new RecioError(ErrorCode.UnknownHost, `several app hosts (${apps.join(', ')}): say which with \`on <host>\``);
}

/** `/recio restart trade_executor` as a one-step run: same claims, locks, audit and message as a runbook. */
export function adhocStep(
  verb: 'restart' | 'start' | 'stop',
  service: string,
  host: string,
): StepInput & { spec: StepPlan } {
  return {
    title: `${verb} ${service}`,
    host,
    action: `service.${verb}`,
    params: verb === 'stop' ? { service } : { service, waitSeconds: 30 },
    approval: 'none',
    idempotent: false,
    spec: { key: verb, onFailure: 'stop', timeoutMs: 60_000, lockService: service },
  };
}

/** An archive step (§2.2, §2.3) on one host: nothing else is held back while it runs (no lock). */
export function archiveStep(
  title: string,
  host: string,
  action: 'config.archive' | 'history.archive' | 'config.restore',
  params: Record<string, string>,
): StepInput & { spec: StepPlan } {
  return {
    title: `${title} on ${host}`,
    host,
    action,
    params,
    approval: 'none',
    // A config.restore run again finds its directory there and refuses; the archives write new files.
    idempotent: action !== 'config.restore',
    spec: { key: action.replace('.', '-'), onFailure: 'continue', timeoutMs: 30 * 60_000 },
  };
}
