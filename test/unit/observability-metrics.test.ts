import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import type { SshTransportStats } from '@recio/bot/hosts/ssh-transport';
import { startMetricsServer } from '@recio/bot/observability/metrics-route';
import { agentOutcomeOf, createMetrics, type Metrics } from '@recio/bot/observability/metrics';

interface Sample {
  value?: string;
  labels?: Record<string, string>;
  buckets?: Record<string, string>;
  count?: string;
  sum?: string;
}
interface Family {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: Sample[];
}

// An independent parser of the exposition format (CommonJS, no types of its own).
const parseExposition = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Family[];

async function scrape(metrics: Metrics): Promise<{ text: string; families: Map<string, Family> }> {
  const { body } = await metrics.metricsText();
  return { text: body, families: new Map(parseExposition(body).map((f) => [f.name, f])) };
}

const sampleOf = (family: Family | undefined, labels: Record<string, string>): Sample | undefined =>
  family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));

const sampleValue = (family: Family | undefined, labels: Record<string, string> = {}): number =>
  Number(sampleOf(family, labels)?.value);

/**
 * The value of the one sample line with exactly these labels. Used for histograms: the parser
 * above folds a labelled histogram's series into one and drops their labels.
 */
function lineValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (JSON.stringify(Object.entries(found).sort()) === JSON.stringify(Object.entries(labels).sort()))
      return Number(match[3]);
  }
  return undefined;
}

const EXPECTED_FAMILIES: Array<[string, Family['type'], string[]]> = [
  ['recio_slack_deliveries_total', 'COUNTER', ['kind', 'outcome']],
  ['recio_slack_ack_seconds', 'HISTOGRAM', ['kind']],
  ['recio_agent_action_seconds', 'HISTOGRAM', ['host', 'action', 'outcome']],
  ['recio_runs_total', 'COUNTER', ['outcome']],
  ['recio_steps_total', 'COUNTER', ['outcome']],
  ['recio_open_incidents', 'GAUGE', []],
  ['recio_outbox_pending', 'GAUGE', []],
  ['recio_slack_api_calls_total', 'COUNTER', ['method', 'outcome']],
  ['recio_slack_ratelimited_total', 'COUNTER', ['method']],
  ['recio_ssh_pool_connections', 'GAUGE', []],
  ['recio_ssh_connects_total', 'COUNTER', ['host']],
  ['recio_ssh_reconnects_total', 'COUNTER', ['host']],
];

/** A stand-in with SshTransport's stats() contract: running totals that only grow. */
class FakeTransport {
  readonly counters: SshTransportStats = { connects: 0, reconnects: 0, connected: false };
  constructor(readonly host: string) {}
  stats(): SshTransportStats {
    return { ...this.counters };
  }
}

function exercise(metrics: Metrics): void {
  metrics.countDelivery('command', 'acked');
  metrics.countDelivery('command', 'acked');
  metrics.countDelivery('action', 'duplicate');
  metrics.countDelivery('view', 'denied');
  metrics.countDelivery('event', 'invalid');
  metrics.observeAck('command', 0.04);
  metrics.observeAck('command', 2.7);
  metrics.observeAgentAction('db1', 'db.restart', 'ok', 4.2);
  metrics.observeAgentAction('app1', 'service.status', 'unknown', 30);
  metrics.countRun('succeeded');
  metrics.countStep('failed');
  metrics.countStep('interrupted');
  metrics.setOpenIncidents(2);
  metrics.countSlackCall('chat.postMessage', 'ok');
  metrics.countSlackCall('chat.update', 'ratelimited');
  metrics.countSlackCall('chat.update', 'ratelimited');
  metrics.setOutboxPending(5);
}

describe('metrics', () => {
  test('the exposition text parses, with every family of the right type and labels', async () => {
    const transports = [new FakeTransport('db1')];
    const metrics = createMetrics({ sources: { sshTransports: () => transports } });
    exercise(metrics);
    const { text, families } = await scrape(metrics);
    for (const [name, type, labels] of EXPECTED_FAMILIES) {
      const family = families.get(name);
      expect(family, name).toBeDefined();
      expect(family?.type, name).toBe(type);
      expect(family?.help, name).not.toBe('');
      if (type === 'HISTOGRAM') {
        const bucketLines = text.split('\n').filter((l) => l.startsWith(`${name}_bucket{`));
        expect(bucketLines.length, name).toBeGreaterThan(0);
        for (const line of bucketLines)
          expect([...line.matchAll(/([a-z_]+)="/g)].map((m) => m[1]).sort(), line).toEqual(['le', ...labels].sort());
      } else {
        expect(family?.metrics.length, name).toBeGreaterThan(0);
        for (const sample of family?.metrics ?? [])
          expect(Object.keys(sample.labels ?? {}).sort(), name).toEqual([...labels].sort());
      }
    }
    // Every sample line belongs to a family declared with # TYPE (the parser is lenient about that).
    // A sample line of the text format, name{label="value",…} value (a label value escapes backslash,
    // quote and newline with a backslash).
    const label = /[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"/.source;
    const sampleLine = new RegExp(String.raw`^[a-zA-Z_:][a-zA-Z0-9_:]*(\{${label}(,${label})*\})? \S+$`);
    const declared = new Set([...text.matchAll(/^# TYPE (\S+) (\w+)$/gm)].map((m) => m[1]));
    for (const line of text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))) {
      expect(line).toMatch(sampleLine);
      const name = line.split(/[{ ]/)[0]!;
      expect(declared.has(name.replace(/_(bucket|sum|count)$/, '')) || declared.has(name), line).toBe(true);
    }
    expect((await metrics.metricsText()).contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  test('values move with the methods', async () => {
    const metrics = createMetrics();
    const before = await scrape(metrics);
    expect(before.families.get('recio_slack_deliveries_total')?.metrics ?? []).toHaveLength(0);
    exercise(metrics);
    const { text, families } = await scrape(metrics);
    const deliveries = families.get('recio_slack_deliveries_total');
    expect(sampleValue(deliveries, { kind: 'command', outcome: 'acked' })).toBe(2);
    expect(sampleValue(deliveries, { kind: 'action', outcome: 'duplicate' })).toBe(1);
    expect(lineValue(text, 'recio_slack_ack_seconds_count', { kind: 'command' })).toBe(2);
    expect(lineValue(text, 'recio_slack_ack_seconds_sum', { kind: 'command' })).toBeCloseTo(2.74);
    expect(lineValue(text, 'recio_slack_ack_seconds_bucket', { kind: 'command', le: '0.05' })).toBe(1);
    expect(lineValue(text, 'recio_slack_ack_seconds_bucket', { kind: 'command', le: '2.5' })).toBe(1);
    expect(lineValue(text, 'recio_slack_ack_seconds_bucket', { kind: 'command', le: '3' })).toBe(2);
    const action = { host: 'db1', action: 'db.restart', outcome: 'ok' };
    expect(lineValue(text, 'recio_agent_action_seconds_count', action)).toBe(1);
    expect(lineValue(text, 'recio_agent_action_seconds_sum', action)).toBe(4.2);
    expect(lineValue(text, 'recio_agent_action_seconds_bucket', { ...action, le: '5' })).toBe(1);
    expect(lineValue(text, 'recio_agent_action_seconds_bucket', { ...action, le: '2.5' })).toBe(0);
    expect(
      lineValue(text, 'recio_agent_action_seconds_count', {
        host: 'app1',
        action: 'service.status',
        outcome: 'unknown',
      }),
    ).toBe(1);
    expect(sampleValue(families.get('recio_runs_total'), { outcome: 'succeeded' })).toBe(1);
    expect(sampleValue(families.get('recio_steps_total'), { outcome: 'interrupted' })).toBe(1);
    expect(sampleValue(families.get('recio_open_incidents'))).toBe(2);
    expect(sampleValue(families.get('recio_outbox_pending'))).toBe(5);
    expect(
      sampleValue(families.get('recio_slack_api_calls_total'), { method: 'chat.update', outcome: 'ratelimited' }),
    ).toBe(2);
    expect(sampleValue(families.get('recio_slack_ratelimited_total'), { method: 'chat.update' })).toBe(2);
    expect(sampleOf(families.get('recio_slack_ratelimited_total'), { method: 'chat.postMessage' })).toBeUndefined();
  });

  test('each instance has its own registry', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.countRun('failed');
    expect(sampleValue((await scrape(a)).families.get('recio_runs_total'), { outcome: 'failed' })).toBe(1);
    expect((await scrape(b)).families.get('recio_runs_total')?.metrics ?? []).toHaveLength(0);
  });

  test('SSH pool figures are read from the transports at each scrape, and counters never go down', async () => {
    const db1 = new FakeTransport('db1');
    let transports = [db1, new FakeTransport('app1')];
    const metrics = createMetrics({ sources: { sshTransports: () => transports } });
    db1.counters.connects = 1;
    db1.counters.connected = true;
    let { families } = await scrape(metrics);
    expect(sampleValue(families.get('recio_ssh_pool_connections'))).toBe(1);
    expect(sampleValue(families.get('recio_ssh_connects_total'), { host: 'db1' })).toBe(1);

    // db1 dropped and came back twice; app1 connected.
    db1.counters.connects = 3;
    db1.counters.reconnects = 2;
    transports[1]!.counters.connects = 1;
    transports[1]!.counters.connected = true;
    ({ families } = await scrape(metrics));
    expect(sampleValue(families.get('recio_ssh_pool_connections'))).toBe(2);
    expect(sampleValue(families.get('recio_ssh_connects_total'), { host: 'db1' })).toBe(3);
    expect(sampleValue(families.get('recio_ssh_reconnects_total'), { host: 'db1' })).toBe(2);

    // The pool replaced db1's transport with a fresh one (its own totals start at zero again).
    const fresh = new FakeTransport('db1');
    fresh.counters.connects = 1;
    transports = [fresh];
    ({ families } = await scrape(metrics));
    expect(sampleValue(families.get('recio_ssh_connects_total'), { host: 'db1' })).toBe(4);
    expect(sampleValue(families.get('recio_ssh_reconnects_total'), { host: 'db1' })).toBe(2);
    expect(sampleValue(families.get('recio_ssh_pool_connections'))).toBe(0);
  });

  test('incidents and outbox can be read from a source at scrape time', async () => {
    let open = 3;
    const metrics = createMetrics({ sources: { openIncidents: async () => open, outboxPending: () => 7 } });
    expect(sampleValue((await scrape(metrics)).families.get('recio_open_incidents'))).toBe(3);
    open = 1;
    const { families } = await scrape(metrics);
    expect(sampleValue(families.get('recio_open_incidents'))).toBe(1);
    expect(sampleValue(families.get('recio_outbox_pending'))).toBe(7);
  });

  test('agentOutcomeOf never reads a lost answer as success or failure', () => {
    expect(agentOutcomeOf({ ok: true })).toBe('ok');
    expect(agentOutcomeOf({ ok: false })).toBe('failed');
    expect(agentOutcomeOf({ ok: false, timedOut: true })).toBe('timeout');
    expect(agentOutcomeOf({ ok: false, timedOut: true, outcomeUnknown: true })).toBe('unknown');
  });

  test('GET /metrics serves the text with the registry content type; a failing source is a 500', async () => {
    const metrics = createMetrics({ processMetrics: true });
    metrics.countRun('cancelled');
    const server = await startMetricsServer(metrics, { port: 0 });
    const broken = createMetrics({ sources: { openIncidents: () => Promise.reject(new Error('store down')) } });
    const brokenServer = await startMetricsServer(broken, { port: 0 });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(metrics.registry.contentType);
      const families = new Map(parseExposition(await res.text()).map((f) => [f.name, f]));
      expect(sampleValue(families.get('recio_runs_total'), { outcome: 'cancelled' })).toBe(1);
      expect(families.get('recio_process_cpu_user_seconds_total')?.type).toBe('COUNTER');
      expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
      const failed = await fetch(`http://127.0.0.1:${brokenServer.port}/metrics`);
      expect(failed.status).toBe(500);
      expect(await failed.text()).toContain('store down');
    } finally {
      await server.close();
      await brokenServer.close();
    }
  });
});
