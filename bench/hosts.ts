/**
 * npm run bench:hosts — what SSH costs a request, measured in one run on this machine:
 *   service.status over the warm pool vs. the agent run in-process (no SSH) vs. the OpenSSH client
 *   (new connection each time); a 20-host fan-out vs. pdsh -R ssh; and the login shell's cost.
 *   Each with the agent asking supervisord over XML-RPC on its socket (the default) and, as the
 *   baseline, over the supervisorctl argv (a second key whose forced command reads a config with
 *   `supervisord.via: supervisorctl`).
 * Real sshd, real supervisord, real supervisorctl. Prints a table and one JSON line.
 * Needs pdsh for the baseline (`apt-get install -y pdsh`); it is not a test dependency.
 */
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { AgentConfigSchema } from '@recio/agent/agent-config';
import { Hosts } from '@recio/bot/hosts/fleet-hosts';
import { LocalTransport } from '@recio/bot/hosts/local-transport';
import { SshTransport } from '@recio/bot/hosts/ssh-transport';
import type { HostResult } from '@recio/bot/hosts/transport';
import { forcedCommandLine, generateKeyPair } from '../test/support/sshd.js';
import { opensshArgs, startTestHost } from '../test/support/test-host.js';
import { ms, ratio, sample, summarize } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const FANOUT_RUNS = Number(process.env.BENCH_FANOUT_RUNS ?? 10);
const FLEET = 20;
const REQUEST = { action: 'service.status', params: {} } as const;
const names = Array.from({ length: FLEET }, (_, i) => `host${i + 1}`);

const must = (result: HostResult) => {
  if (!result.ok) throw new Error(`${result.host}: ${result.error?.message}`);
  return result;
};

if ((await execa('pdsh', ['-V'], { reject: false })).failed) {
  console.error('bench:hosts needs pdsh for its fan-out baseline: apt-get install -y pdsh');
  process.exit(2);
}

const host = await startTestHost({ authorizeRoot: true });
const sshArgs = (user: string, address = '127.0.0.1') => opensshArgs(host, user, address);
const requestText = JSON.stringify({ v: 1, id: 'bench', ...REQUEST });
const openssh = async (user: string) => {
  const run = await execa('ssh', [...sshArgs(user), requestText], { reject: false, stdin: 'ignore' });
  if (run.exitCode !== 0) throw new Error(`ssh as ${user} failed: ${run.stderr || run.stdout}`);
};

try {
  const local = new LocalTransport({
    agentConfig: AgentConfigSchema.parse({ supervisorctl: host.supervisor.supervisorctl }),
    commandTimeoutMs: 30_000,
  });
  const localArgv = new LocalTransport({
    agentConfig: AgentConfigSchema.parse({
      supervisorctl: host.supervisor.supervisorctl,
      supervisord: { via: 'supervisorctl' },
    }),
    commandTimeoutMs: 30_000,
  });
  const pool = new SshTransport({
    host: host.fleetHost,
    privateKey: host.clientKey.privateKey,
    connectTimeoutMs: 5_000,
    commandTimeoutMs: 30_000,
  });
  // The supervisorctl baseline over the same sshd: a second key, its forced command a config that says so.
  const argvConfigPath = join(host.dir, 'agent-supervisorctl.yml');
  await writeFile(
    argvConfigPath,
    `host: test-host\nsupervisorctl: ${JSON.stringify(host.supervisor.supervisorctl)}\nsupervisord: { via: supervisorctl }\n`,
    { mode: 0o644 },
  );
  const argvKey = await generateKeyPair(join(host.dir, 'argv_key'), 'recio-bench-argv');
  await appendFile(
    join(host.dir, 'sshd', 'authorized_keys', host.user.name),
    `${forcedCommandLine(argvKey.publicKey, argvConfigPath)}\n`,
  );
  const poolArgv = new SshTransport({
    host: host.fleetHost,
    privateKey: argvKey.privateKey,
    connectTimeoutMs: 5_000,
    commandTimeoutMs: 30_000,
  });
  must(await pool.run(REQUEST)); // warm the pools: connect, open the session
  must(await poolArgv.run(REQUEST));
  must(await local.run(REQUEST));
  must(await localArgv.run(REQUEST));

  // Interleave them so drift on the machine hits them alike.
  const localSamples: number[] = [];
  const localArgvSamples: number[] = [];
  const poolSamples: number[] = [];
  const poolArgvSamples: number[] = [];
  const sshSamples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    localSamples.push(...(await sample(1, async () => must(await local.run(REQUEST)))));
    localArgvSamples.push(...(await sample(1, async () => must(await localArgv.run(REQUEST)))));
    poolSamples.push(...(await sample(1, async () => must(await pool.run(REQUEST)))));
    poolArgvSamples.push(...(await sample(1, async () => must(await poolArgv.run(REQUEST)))));
    sshSamples.push(...(await sample(1, () => openssh(host.user.name))));
  }
  await poolArgv.close();
  // The same request as root (login shell bash, which sources root's .bashrc for SSH commands) and
  // as the test user (/bin/sh), interleaved.
  const rootSamples: number[] = [];
  const userSamples: number[] = [];
  for (let i = 0; i < RUNS && host.user.isRoot; i++) {
    rootSamples.push(...(await sample(1, () => openssh('root'))));
    userSamples.push(...(await sample(1, () => openssh(host.user.name))));
  }
  const rootShell = host.user.isRoot ? summarize(rootSamples) : undefined;
  const userShell = summarize(userSamples);
  await pool.close();

  // 20 fleet entries, one connection each, all to the same sshd (which cannot listen on 20 addresses:
  // OpenSSH caps listen sockets at 16). pdsh reaches the same 20 names through an ssh_config.
  const fleet = new Hosts(
    names.map((name) => ({
      name,
      roles: ['app' as const],
      transport: new SshTransport({
        host: { ...host.fleetHost, name },
        privateKey: host.clientKey.privateKey,
        connectTimeoutMs: 10_000,
        commandTimeoutMs: 60_000,
      }),
    })),
    FLEET,
  );
  const fanOut = async () => {
    const results = await fleet.fanOut(names, REQUEST);
    results.forEach(must);
  };
  const cold = summarize(await sample(1, fanOut));
  const warmFan = summarize(await sample(FANOUT_RUNS, fanOut));
  await fleet.close();
  const sshConfig = join(host.dir, 'bench_ssh_config');
  const knownHosts = join(host.dir, 'bench_known_hosts');
  await writeFile(knownHosts, `recio-bench ${host.sshd.keyParts}\n`);
  await writeFile(
    sshConfig,
    `${[
      'Host host*',
      '  HostName 127.0.0.1',
      `  Port ${host.sshd.port}`,
      `  IdentityFile ${host.clientKey.privateKeyPath}`,
      '  IdentitiesOnly yes',
      '  HostKeyAlias recio-bench',
      `  UserKnownHostsFile ${knownHosts}`,
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
    ].join('\n')}\n`,
  );
  const pdshEnv = { ...process.env, PDSH_SSH_ARGS: `-F ${sshConfig} -l %u %h`, PDSH_SSH_ARGS_APPEND: '' };
  const pdsh = summarize(
    await sample(FANOUT_RUNS, async () => {
      const run = await execa(
        'pdsh',
        ['-R', 'ssh', '-f', String(FLEET), '-l', host.user.name, '-w', names.join(','), requestText],
        { env: pdshEnv, reject: false, stdin: 'ignore' },
      );
      const answered = run.stdout
        .split('\n')
        .filter((l) => l.includes('"type":"result"') && l.includes('"ok":true')).length;
      if (answered !== FLEET)
        throw new Error(`pdsh: ${answered}/${FLEET} hosts answered ok: ${run.stderr.slice(0, 300)}`);
    }),
  );

  const l = summarize(localSamples);
  const la = summarize(localArgvSamples);
  const p = summarize(poolSamples);
  const pa = summarize(poolArgvSamples);
  const s = summarize(sshSamples);
  console.log(`recio-bot bench:hosts — service.status, ${RUNS} runs each (median / p95)`);
  console.log(`  agent in-process, XML-RPC     ${ms(l.median)} / ${ms(l.p95)}`);
  console.log(`  agent in-process, supervisorctl ${ms(la.median)} / ${ms(la.p95)}`);
  console.log(
    `  warm SSH pool, XML-RPC        ${ms(p.median)} / ${ms(p.p95)}   ${ratio(p.median, s.median)} OpenSSH (target ≤ 0.05×), ${ratio(p.median, pa.median)} supervisorctl pool (target ≤ 0.1×), ${ratio(p.median, l.median)} local`,
  );
  console.log(
    `  warm SSH pool, supervisorctl  ${ms(pa.median)} / ${ms(pa.p95)}   ${ratio(pa.median, s.median)} OpenSSH, ${ratio(pa.median, la.median)} local supervisorctl`,
  );
  console.log(`  OpenSSH client, new conn.     ${ms(s.median)} / ${ms(s.p95)}`);
  console.log(`fan-out to ${FLEET} fleet entries, ${FANOUT_RUNS} runs (median / p95)`);
  console.log(
    `  recio pool, warm, XML-RPC     ${ms(warmFan.median)} / ${ms(warmFan.p95)}   ${ratio(warmFan.median, pdsh.median)} pdsh (target ≤ 0.1×)`,
  );
  console.log(`  recio pool, cold (1 run)      ${ms(cold.median)}   ${ratio(cold.median, pdsh.median)} pdsh`);
  console.log(`  pdsh -R ssh                   ${ms(pdsh.median)} / ${ms(pdsh.p95)}`);
  if (rootShell) {
    console.log(
      `login shell per SSH command: root (bash + .bashrc) ${ms(rootShell.median)} vs ${host.user.name} (/bin/sh) ${ms(userShell.median)} → the shell costs ${ms(rootShell.median - userShell.median)} per command; the pool pays it once per connection`,
    );
  }
  console.log(
    JSON.stringify({
      bench: 'hosts',
      runs: RUNS,
      local: l,
      localSupervisorctl: la,
      pool: p,
      poolSupervisorctl: pa,
      openssh: s,
      fanOut: { warm: warmFan, cold, pdsh },
      loginShell: rootShell ? { root: rootShell, user: userShell } : null,
    }),
  );
} finally {
  await host.stop();
}
