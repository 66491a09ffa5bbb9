import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseAgentConfig, secretsOf } from '@recio/agent/agent-config';
import { encryptionOf } from '@recio/agent/archive-encryption';

const EXAMPLE = resolve(import.meta.dirname, '../../packages/agent/agent-config.example.yml');

describe('the example agent config', () => {
  test('parses, sets every section, and keeps its password out of output', () => {
    const config = parseAgentConfig(readFileSync(EXAMPLE, 'utf8'), EXAMPLE);
    expect(config.backups.offsite).toEqual(['rclone', 'copyto', '{file}', 'offsite:rec-io-backups/postgres/{name}']);
    expect(config.db.restore.mode).toBe('clean');
    expect(config.deploy.pip).toEqual(['/opt/rec_io_v2/venv/bin/pip']);
    expect(typeof encryptionOf(config.configBackup)).toBe('object');
    expect(secretsOf(config)).toContain('change-me');
  });
});
