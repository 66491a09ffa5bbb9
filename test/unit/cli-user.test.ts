import { resolve } from 'node:path';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';

/**
 * Who is at the terminal comes from the OS. The built module is run in a child process as a real
 * account (`runuser`), since a process's own uid is what is being tested.
 */
const MODULE = resolve(import.meta.dirname, '../../packages/bot/dist/cli/cli-user.js');
const probe = [
  `import { cliUnixUser } from ${JSON.stringify(MODULE)};`,
  'console.log(cliUnixUser(process.env, process.argv[1]));',
].join(' ');
const asRoot = process.getuid?.() === 0;

async function whoAmI(
  user: string | undefined,
  env: Record<string, string>,
  dataDir = '/nonexistent',
): Promise<string> {
  const node = ['node', '--input-type=module', '-e', probe, dataDir];
  const argv = user ? ['runuser', '-u', user, '--', ...node] : node;
  const { stdout } = await execa(argv[0]!, argv.slice(1), {
    env: { PATH: process.env.PATH ?? '', ...env },
    extendEnv: false,
  });
  return stdout.trim();
}

describe.runIf(asRoot)('the terminal user', () => {
  test('is the process’s own account; a SUDO_USER set by hand in a user’s own shell changes nothing', async () => {
    expect(await whoAmI('nobody', {})).toBe('nobody');
    expect(await whoAmI('nobody', { SUDO_USER: 'alice', SUDO_UID: '1001' })).toBe('nobody');
  });

  test('is sudo’s caller when sudo ran the CLI as root (SUDO_USER is then set by sudo itself)', async () => {
    expect(await whoAmI(undefined, { SUDO_USER: 'alice', SUDO_UID: '1001' })).toBe('alice');
    expect(await whoAmI(undefined, {})).toBe('root');
  });
});
