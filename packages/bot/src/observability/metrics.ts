import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SshTransportStats } from '../hosts/ssh-transport.js';

/** What arrived from Slack. */
export type DeliveryKind = 'command' | 'action' | 'view' | 'event';
/**
 * What became of it: acked and handled, a retry we had seen, refused by RBAC, malformed, failed,
 * or acked after Slack's 3 s (`late`: the person saw an error, the request went on).
 */
export type DeliveryOutcome = 'acked' | 'duplicate' | 'denied' | 'invalid' | 'error' | 'late';
/** An agent action's end, as far as the bot can tell. `unknown`: the answer never came (deadline, drop). */
export type AgentOutcome = 'ok' | 'failed' | 'timeout' | 'unknown';
/** The terminal states of runs and steps in the store. */
export type RunOutcome = 'succeeded' | 'failed' | 'skipped' | 'interrupted' | 'cancelled';
export type SlackCallOutcome = 'ok' | 'error' | 'ratelimited';

/** Anything with an SshTransport's counters; the pool is read at scrape time, not pushed. */
export interface SshStatsSource {
  readonly host: string;
  stats(): SshTransportStats;
}

export interface MetricsSources {
  /** The transports of the SSH pool, read at each scrape. */
  sshTransports?: () => Iterable<SshStatsSource>;
  /** Open incidents, read at each scrape (e.g. a count query); otherwise set with `setOpenIncidents`. */
  openIncidents?: () => number | Promise<number>;
  /** Outbox rows not yet sent to Slack, read at each scrape; otherwise `setOutboxPending`. */
  outboxPending?: () => number | Promise<number>;
}

export interface CreateMetricsOptions {
  sources?: MetricsSources;
  /** Also export the process metrics (CPU, memory, event loop, GC). Off in tests. */
  processMetrics?: boolean;
  /** Prepended to every name. */
  prefix?: string;
}

/**
 * The bot's metrics, behind small methods so no caller touches prom-client. Each instance has its
 * own Registry (never the global one), so tests and two bots in one process do not share counts.
 */
export interface Metrics {
  countDelivery(kind: DeliveryKind, outcome: DeliveryOutcome): void;
  observeAck(kind: DeliveryKind, seconds: number): void;
  observeAgentAction(host: string, action: string, outcome: AgentOutcome, seconds: number): void;
  countRun(outcome: RunOutcome): void;
  countStep(outcome: RunOutcome): void;
  setOpenIncidents(count: number): void;
  /** An incident resolved: how (a person or the quiet period), open→resolved seconds, checklist green or not. */
  observeIncidentResolved(how: 'person' | 'quiet', seconds: number, checklistGreen: boolean): void;
  countSlackCall(method: string, outcome: SlackCallOutcome): void;
  setOutboxPending(count: number): void;
  /** The exposition text and its content type, for `GET /metrics`. */
  metricsText(): Promise<{ contentType: string; body: string }>;
  readonly registry: Registry;
}

// Slack wants an ack within 3 s: the buckets are fine below that and mark what is past it.
const ACK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 2.5, 3, 5];
// Agent actions run from a status read (tens of ms) to a restore (minutes).
const ACTION_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900];

/** Maps a host result to the outcome label; a lost answer is never counted as a failure or a success. */
export function agentOutcomeOf(result: { ok: boolean; timedOut?: boolean; outcomeUnknown?: boolean }): AgentOutcome {
  if (result.outcomeUnknown) return 'unknown';
  if (result.timedOut) return 'timeout';
  return result.ok ? 'ok' : 'failed';
}

export function createMetrics(options: CreateMetricsOptions = {}): Metrics {
  const registry = new Registry();
  const p = options.prefix ?? 'recio_';
  const sources = options.sources ?? {};
  const registers = [registry];
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: p });

  const deliveries = new Counter({
    name: `${p}slack_deliveries_total`,
    help: 'Slack deliveries by kind and outcome',
    labelNames: ['kind', 'outcome'] as const,
    registers,
  });
  const ack = new Histogram({
    name: `${p}slack_ack_seconds`,
    help: 'Time from receiving a Slack delivery to acking it',
    labelNames: ['kind'] as const,
    buckets: ACK_BUCKETS,
    registers,
  });
  const agentAction = new Histogram({
    name: `${p}agent_action_seconds`,
    help: 'Agent action latency seen by the bot, connect included, by host, action and outcome',
    labelNames: ['host', 'action', 'outcome'] as const,
    buckets: ACTION_BUCKETS,
    registers,
  });
  const runs = new Counter({
    name: `${p}runs_total`,
    help: 'Runbook runs finished, by outcome',
    labelNames: ['outcome'] as const,
    registers,
  });
  const steps = new Counter({
    name: `${p}steps_total`,
    help: 'Runbook steps finished, by outcome',
    labelNames: ['outcome'] as const,
    registers,
  });
  const openIncidents = new Gauge({
    name: `${p}open_incidents`,
    help: 'Incidents not yet resolved',
    registers,
    ...(sources.openIncidents
      ? {
          collect: async function (this: Gauge) {
            this.set(await sources.openIncidents!());
          },
        }
      : {}),
  });
  const incidentResolve = new Histogram({
    name: `${p}incident_resolve_seconds`,
    help: 'Incidents resolved: seconds from opened to resolved, by who resolved it and whether the checklist was green',
    labelNames: ['how', 'checklist'] as const,
    buckets: [60, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400],
    registers,
  });
  const outboxPending = new Gauge({
    name: `${p}outbox_pending`,
    help: 'Slack messages waiting in the outbox',
    registers,
    ...(sources.outboxPending
      ? {
          collect: async function (this: Gauge) {
            this.set(await sources.outboxPending!());
          },
        }
      : {}),
  });
  const slackCalls = new Counter({
    name: `${p}slack_api_calls_total`,
    help: 'Slack Web API calls by method and outcome',
    labelNames: ['method', 'outcome'] as const,
    registers,
  });
  const slackRateLimited = new Counter({
    name: `${p}slack_ratelimited_total`,
    help: 'Slack Web API answers of 429 ratelimited, by method',
    labelNames: ['method'] as const,
    registers,
  });
  registerSshMetrics(p, registers, sources.sshTransports);

  return {
    registry,
    countDelivery: (kind, outcome) => deliveries.inc({ kind, outcome }),
    observeAck: (kind, seconds) => ack.observe({ kind }, seconds),
    observeAgentAction: (host, action, outcome, seconds) => agentAction.observe({ host, action, outcome }, seconds),
    countRun: (outcome) => runs.inc({ outcome }),
    countStep: (outcome) => steps.inc({ outcome }),
    setOpenIncidents: (count) => openIncidents.set(count),
    observeIncidentResolved: (how, seconds, green) =>
      incidentResolve.observe({ how, checklist: green ? 'green' : 'not_green' }, seconds),
    countSlackCall: (method, outcome) => {
      slackCalls.inc({ method, outcome });
      if (outcome === 'ratelimited') slackRateLimited.inc({ method });
    },
    setOutboxPending: (count) => outboxPending.set(count),
    metricsText: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}

/**
 * Pool size and connection counts, read from the transports at scrape time. The transports keep
 * running totals; a counter must never go down, so each scrape adds what grew since the last one
 * (a transport replaced by a fresh one starts again from its own zero).
 */
function registerSshMetrics(
  p: string,
  registers: Registry[],
  source: (() => Iterable<SshStatsSource>) | undefined,
): void {
  const seen = new WeakMap<SshStatsSource, SshTransportStats>();
  const grow = (counter: Counter<'host'>, host: string, now: number, before: number | undefined) => {
    const delta = before === undefined || now < before ? now : now - before;
    counter.inc({ host }, delta);
  };
  const connects = new Counter({
    name: `${p}ssh_connects_total`,
    help: 'SSH connections opened, by host',
    labelNames: ['host'] as const,
    registers: [],
  });
  const reconnects = new Counter({
    name: `${p}ssh_reconnects_total`,
    help: 'SSH connections opened again after a drop, by host',
    labelNames: ['host'] as const,
    registers: [],
  });
  new Gauge({
    name: `${p}ssh_pool_connections`,
    help: 'SSH connections open in the pool',
    registers,
    collect(this: Gauge) {
      if (source === undefined) return;
      let open = 0;
      for (const transport of source()) {
        const stats = transport.stats();
        const before = seen.get(transport);
        grow(connects, transport.host, stats.connects, before?.connects);
        grow(reconnects, transport.host, stats.reconnects, before?.reconnects);
        seen.set(transport, { ...stats });
        if (stats.connected) open += 1;
      }
      this.set(open);
    },
  });
  // The registry collects in registration order: the gauge above reads the pool and feeds these
  // counters, so registering them after it keeps them current in the same scrape.
  for (const registry of registers) {
    registry.registerMetric(connects);
    registry.registerMetric(reconnects);
  }
}
