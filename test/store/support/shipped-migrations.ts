import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';

/** The migrations this build ships, by name, in order: tests derive from the dir, never a hard-coded list. */
export function shippedMigrations(): string[] {
  return readdirSync(resolve(import.meta.dirname, '../../../packages/bot/migrations'))
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => f.replace(/\.sql$/, ''));
}
