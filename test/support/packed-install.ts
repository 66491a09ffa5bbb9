import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';

/**
 * Our workspace packages the way a host gets them: `npm pack` tarballs installed into a prefix of
 * their own, without dev dependencies. Shared by the agent-package test and bench:install.
 */
const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** `npm pack` of packages/<name> for each name (from their built dist/); the tarballs' paths. */
export async function packWorkspaces(names: readonly string[], destination: string): Promise<string[]> {
  const workspaces = names.flatMap((name) => ['--workspace', `packages/${name}`]);
  const { stdout } = await execa('npm', ['pack', ...workspaces, '--pack-destination', destination, '--json'], {
    cwd: REPO_ROOT,
  });
  return (JSON.parse(stdout) as Array<{ filename: string }>).map((entry) => join(destination, entry.filename));
}

/**
 * `npm install --omit=dev` of the tarballs into `prefix`. Registry packages come from npm's cache
 * when it has them (the repo's own `npm ci` filled it), from the registry otherwise.
 */
export async function installTarballs(prefix: string, tarballs: readonly string[]): Promise<void> {
  await execa(
    'npm',
    ['install', '--prefix', prefix, '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs],
    { cwd: prefix },
  );
}

/** Every package name under node_modules, nested ones included (`@slack/bolt`, `pg`, …). */
export async function installedPackages(prefix: string): Promise<string[]> {
  const names = new Set<string>();
  const walk = async (modules: string): Promise<void> => {
    // Most packages have no node_modules of their own: nothing nested there.
    const entries = await readdir(modules, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const scoped = entry.name.startsWith('@');
      const packages = scoped
        ? (await readdir(join(modules, entry.name))).map((name) => `${entry.name}/${name}`)
        : [entry.name];
      for (const name of packages) {
        names.add(name);
        await walk(join(modules, name, 'node_modules'));
      }
    }
  };
  await walk(join(prefix, 'node_modules'));
  return [...names].sort();
}

/** Measured the way issue 16's "before" figures were: apparent bytes, regular files, npm's own count. */
export interface InstallSize {
  /** Apparent size of the prefix (`du -sb`): what the files hold. */
  bytes: number;
  /** Disk used (`du -sk` × 1024): what the host's filesystem gives it. */
  diskBytes: number;
  /** Regular files under the prefix (`find -type f`). */
  files: number;
  /** Installed packages: the lines of `npm ls --all --parseable` but the first, which is the prefix itself. */
  packages: number;
}

export async function measureInstall(prefix: string): Promise<InstallSize> {
  const [apparent, disk, files, listed] = await Promise.all([
    execa('du', ['-sb', prefix]),
    execa('du', ['-sk', prefix]),
    execa('find', [prefix, '-type', 'f']),
    execa('npm', ['ls', '--all', '--parseable'], { cwd: prefix }),
  ]);
  const count = (text: string) => text.split('\n').filter((line) => line !== '').length;
  return {
    bytes: Number(apparent.stdout.split('\t')[0]),
    diskBytes: Number(disk.stdout.split('\t')[0]) * 1024,
    files: count(files.stdout),
    packages: count(listed.stdout) - 1,
  };
}
