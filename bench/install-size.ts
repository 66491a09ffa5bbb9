import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type InstallSize,
  installedPackages,
  installTarballs,
  measureInstall,
  packWorkspaces,
} from '../test/support/packed-install.js';

/**
 * bench:install — what each kind of machine installs, measured on the packed packages: a REC.IO
 * host gets @recio/agent (and the protocol), the bot host @recio/bot with the workspace packages
 * it depends on. Each goes into an empty prefix with `npm install --omit=dev`, as docs/operate.md
 * says; nothing is kept.
 */
const TARGETS = [
  { name: 'agent alone (a REC.IO host)', packages: ['protocol', 'agent'] },
  { name: 'bot alone (the bot host)', packages: ['protocol', 'os', 'agent', 'bot'] },
] as const;

// Issue 16's "before": commit d19d6f8, `npm ci && npm run build && npm prune --omit=dev` of the one
// package, which every host (bot and REC.IO alike) installed; the checkout without .git.
const BEFORE: InstallSize = { bytes: 92_887_656, diskBytes: 114_140 * 1024, files: 8_289, packages: 191 };

// What neither machine should get: the dev tooling's packages and the bot's edges on a trading host.
const DEV_TOOLING = /^@recio\/(?:slack-emulator|console|sandbox)$|^(?:vitest|typescript|tsx|playwright-core)$/;

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const row = (name: string, size: InstallSize) =>
  `${name.padEnd(34)} ${mb(size.bytes).padStart(9)} ${mb(size.diskBytes).padStart(9)} ${size.files
    .toLocaleString('en')
    .padStart(7)} ${String(size.packages).padStart(9)}`;

const work = await mkdtemp(join(tmpdir(), 'recio-bench-install-'));
try {
  const lines = [
    `${'install'.padEnd(34)} ${'size'.padStart(9)} ${'on disk'.padStart(9)} ` +
      `${'files'.padStart(7)} ${'packages'.padStart(9)}`,
    row('before: the one package, any host', BEFORE),
  ];
  for (const target of TARGETS) {
    const dir = join(work, target.packages.at(-1)!);
    const prefix = join(dir, 'prefix');
    await mkdir(prefix, { recursive: true });
    await installTarballs(prefix, await packWorkspaces(target.packages, dir));
    lines.push(row(target.name, await measureInstall(prefix)));
    const unwanted = (await installedPackages(prefix)).filter((name) => DEV_TOOLING.test(name));
    if (unwanted.length > 0) lines.push(`  ! dev tooling installed with it: ${unwanted.join(', ')}`);
  }
  for (const line of lines) process.stdout.write(`${line}\n`);
  process.stdout.write(
    'size: du -sb (apparent); on disk: du -sk; files: find -type f; ' +
      'packages: npm ls --all --parseable, less the prefix\n',
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
