import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { rawRequest } from './http-client.js';

/**
 * `npm start` runs the compiled dist/, and tsc emits no .js/.css/.html: the compiled console must
 * still find the page's files (it reads them from src/console/public). `npm test` builds first.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const CONSOLE = resolve(ROOT, 'packages/console/dist/index.js');
const EMULATOR = resolve(ROOT, 'packages/slack-emulator/dist/index.js');

describe('the compiled console', () => {
  test('serves its page and scripts from dist/', async () => {
    if (!existsSync(CONSOLE)) throw new Error(`${CONSOLE} is missing: run \`npm run build\` first (npm test does)`);
    const { startSlackEmulator } = (await import(
      pathToFileURL(EMULATOR).href
    )) as typeof import('@recio/slack-emulator/index');
    const { startConsole, workspaceSeedOf } = (await import(
      pathToFileURL(CONSOLE).href
    )) as typeof import('@recio/console/index');
    const emulator = await startSlackEmulator({ workspace: workspaceSeedOf() });
    try {
      const running = await startConsole({ emulator, mode: { label: 'from dist' } });
      try {
        const page = await rawRequest(running.url);
        expect(page.status).toBe(200);
        expect(page.body).toContain('/console/app.js');
        for (const asset of ['app.js', 'mrkdwn.js', 'console.css']) {
          expect((await rawRequest(`${running.url}console/${asset}`)).status, asset).toBe(200);
        }
        expect((await rawRequest(`${running.url}api/state?user=alice`)).json()).toMatchObject({
          mode: { label: 'from dist' },
        });
      } finally {
        await running.close();
      }
    } finally {
      await emulator.close();
    }
  });
});
