/**
 * npm run bench:detect — how fast a failure becomes an incident thread at the Slack emulation.
 * A stand-in program is killed and made to crash-loop, 20 times per mode; the time from the kill to
 * the incident's parent message arriving at the emulator is measured with (1) the supervisord event
 * listener followed through the agent (push) and (2) polling only. Targets: ≤ 2 s with the listener,
 * ≤ interval + 1 s polled. Real sshd, supervisord, agent, store, publisher; Slack is the emulation.
 */
import { RECIO_PROGRAMS } from '@recio/agent/agent-config';
import { createLogger } from '@recio/bot/observability/logger';
import { createPublisher, createSlackWebClient } from '@recio/bot/slack/index';
import { ALICE, startEngineFixture } from '../test/support/engine-fixture.js';
import { deskAndMonitor, until } from '../test/support/monitor-fixture.js';
import { startSlackFake } from '../test/support/slack-fake.js';
import { ms, summarize } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const POLL_INTERVAL_MS = Number(process.env.BENCH_POLL_INTERVAL_MS ?? 3_000);
const OPS = 'C0OPS000001';
const TARGET = 'btc_price_watchdog';

// The incidents go to the emulation's ops channel (the fixture's own is unknown to it).
const f = await startEngineFixture({ opsChannel: OPS });
const slack = await startSlackFake();
const logger = createLogger({ level: 'silent' });
const publisher = createPublisher({
  store: f.store,
  client: createSlackWebClient({ botToken: slack.tokens.bot, apiUrl: slack.apiUrl }, logger),
  logger,
  intervalMs: 200,
});
f.core.signals.on('outbox', () => publisher.wake());
publisher.start();

/**
 * When the next top-level message reaches the emulation's ops channel, from its own change event (a
 * poll would add up to its interval to every sample); rejects after `boundMs`.
 */
function nextParent(boundMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no incident parent message within ${boundMs / 1000} s`));
    }, boundMs);
    const stop = slack.state.subscribe((change) => {
      if (change.type !== 'message' || change.message.channel !== OPS || change.message.threadTs !== undefined) return;
      clearTimeout(timer);
      stop();
      resolve(performance.now());
    });
  });
}

async function measure(push: boolean): Promise<number[]> {
  const { monitor } = deskAndMonitor(f, { push, intervalMs: push ? 10_000 : POLL_INTERVAL_MS, feedMaxAgeSeconds: {} });
  await monitor.start();
  await until('leading', async () => (monitor.isLeader ? true : undefined));
  const samples: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const pid = (await f.host.supervisor.program(TARGET)).pid!;
      await f.host.supervisor.setMode(TARGET, 'crash');
      const parent = nextParent(60_000);
      const started = performance.now();
      process.kill(pid, 'SIGKILL');
      samples.push((await parent) - started);
      // Heal and close the incident, so the next crash opens a new thread.
      await f.host.supervisor.setMode(TARGET, 'ok');
      await f.hosts.run('db1', { action: 'service.start', params: { service: TARGET } });
      const incident = await f.store.incidents.findUnresolved(`program:db1/${TARGET}`);
      if (incident) await f.store.incidents.advance(incident.id, 'resolved', ALICE);
      await monitor.probeOnce();
    }
  } finally {
    await monitor.close();
  }
  return samples;
}

try {
  const push = summarize(await measure(true));
  const polled = summarize(await measure(false));
  console.log(
    `recio-bot bench:detect — kill ${TARGET} (crash-looping), ` +
      `time to the incident's parent message at the Slack emulation, ${RUNS} runs each`,
  );
  console.log(`  event listener (push)      median ${ms(push.median)}  p95 ${ms(push.p95)}   target ≤ 2000 ms`);
  console.log(
    `  polling every ${POLL_INTERVAL_MS} ms       median ${ms(polled.median)}  p95 ${ms(polled.p95)}   ` +
      `target ≤ ${POLL_INTERVAL_MS + 1000} ms (interval + 1 s)`,
  );
  console.log(
    JSON.stringify({
      bench: 'detect',
      runs: RUNS,
      program: TARGET,
      services: RECIO_PROGRAMS.length,
      push,
      polled,
      pollIntervalMs: POLL_INTERVAL_MS,
    }),
  );
} finally {
  await publisher.stop();
  await slack.close();
  await f.stop();
}
