// `npm start` runs this first: it builds the TypeScript only when a source is newer than the
// build, so a start with a current dist/ goes straight to the bot. (tsc -b does the same check,
// but loading the compiler costs half a second, and `npm run build` another npm process.)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const packages = join(root, 'packages');

/** The newest modification time of a file under `dir` (sources and configs), 0 when there is none. */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path));
    else latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

/** Why a package must be built again, or undefined when its dist/ is current. */
function staleness(name) {
  const dir = join(packages, name);
  const built = join(dir, 'dist', 'tsconfig.tsbuildinfo');
  if (!existsSync(built)) return 'never built';
  const inputs = Math.max(
    newest(join(dir, 'src')),
    statSync(join(dir, 'tsconfig.json')).mtimeMs,
    statSync(join(dir, 'package.json')).mtimeMs,
    statSync(join(root, 'tsconfig.base.json')).mtimeMs,
  );
  return inputs > statSync(built).mtimeMs ? 'sources changed' : undefined;
}

const stale = readdirSync(packages)
  .filter((name) => existsSync(join(packages, name, 'tsconfig.json')) && existsSync(join(packages, name, 'src')))
  .map((name) => [name, staleness(name)])
  .filter(([, why]) => why !== undefined);
if (stale.length > 0) {
  process.stdout.write(`building (${stale.map(([name, why]) => `${name}: ${why}`).join(', ')})\n`);
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const built = spawnSync(process.execPath, [tsc, '-b', 'packages/bot', 'packages/console', 'packages/sandbox'], {
    cwd: root,
    stdio: 'inherit',
  });
  process.exit(built.status ?? 1);
}
