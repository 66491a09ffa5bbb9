import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, RecioError } from '@recio/protocol/errors';

/**
 * The page's files (plain JS, CSS, HTML) ship in the package's `public/`, beside src/ and dist/: from
 * either, `../public` is that folder, so the built console needs no source tree.
 */
export const PUBLIC_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../public');

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
};

export interface Asset {
  type: string;
  body: Buffer;
}

/** Every servable file, read once at start: a request can only name one of these, never a path. */
export function loadAssets(dir = PUBLIC_DIR): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const ext = name.split('.').pop() ?? '';
    const type = TYPES[ext];
    if (!type || !/^[a-z0-9-]+\.[a-z]+$/.test(name)) continue;
    assets.set(name, { type, body: readFileSync(join(dir, name)) });
  }
  if (!assets.has('index.html'))
    throw new RecioError(ErrorCode.ConfigInvalid, `The console's page is missing: no index.html in ${dir}`);
  return assets;
}
