import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { EnvSchema } from '@recio/bot/config';

test('.env.example lists exactly the keys the config schema knows', () => {
  const text = readFileSync(join(import.meta.dirname, '../../.env.example'), 'utf8');
  const keys = text
    .split('\n')
    .map((l) => /^([A-Z][A-Z0-9_]*)=/.exec(l)?.[1])
    .filter((k): k is string => k !== undefined);
  expect(keys.sort()).toEqual(Object.keys(EnvSchema.shape).sort());
  expect(new Set(keys).size).toBe(keys.length);
});
