import { describe, expect, test } from 'vitest';
import { choosePrunable } from '@recio/agent/actions/backup-prune';
import { compareCounts } from '@recio/agent/actions/backup-verify';
import { parseAgentConfig, secretsOf } from '@recio/agent/agent-config';
import { encryptionOf } from '@recio/agent/archive-encryption';
import { argvTemplate, fillArgv } from '@recio/agent/argv-template';
import { timestampOfName, type BackupFile } from '@recio/agent/backup-files';
import { parseToc, tablesOf } from '@recio/agent/pg-toc';
import { ActionParams, BackupFileName, ReleaseTag } from '@recio/protocol/actions';

const HOSTILE = [
  '',
  '-v1',
  '--upload-pack=touch /tmp/x',
  'v1; rm -rf /',
  'v1 && id',
  '$(id)',
  '`id`',
  '../../etc/passwd',
  'a/b',
  'v1\n',
  ' v1',
  'v1 ',
];

describe('param schemas', () => {
  test('release tags: what git release tags look like, never an option, a path or a revision expression', () => {
    for (const tag of ['v1.2.0', '2026.11.26', 'release_7', 'v10.0.0-rc.1', 'V2'])
      expect(ReleaseTag.safeParse(tag).success, tag).toBe(true);
    for (const tag of [
      ...HOSTILE,
      '.v1',
      'v1..2',
      'v1.lock',
      'v1.',
      'HEAD~1',
      'v1^{commit}',
      'v1:app.py',
      'v1@{0}',
      'x'.repeat(66),
    ]) {
      expect(ReleaseTag.safeParse(tag).success, JSON.stringify(tag)).toBe(false);
    }
  });

  test('backup file names: nightly and safety dumps only', () => {
    for (const file of ['db_2026-11-26.sql', 'db_2026-11-26_031502.sql', 'pre-restore_2026-11-26_031502.sql'])
      expect(BackupFileName.safeParse(file).success, file).toBe(true);
    for (const file of [
      ...HOSTILE,
      'db_2026-11-26.sql.gz',
      '.db_2026-11-26.sql.partial',
      'db_2026-11-26.sql/../../x',
      '/backups/db_2026-11-26.sql',
      'pre-restore_2026-11-26.sql',
      'config_2026-11-26_031502.tar.age',
    ]) {
      expect(BackupFileName.safeParse(file).success, JSON.stringify(file)).toBe(false);
    }
  });

  test('every string param of the new actions refuses hostile input', () => {
    const cases: Array<[keyof typeof ActionParams, string]> = [
      ['db.restore', 'file'],
      ['backup.offsite', 'file'],
      ['backup.verify', 'file'],
      ['deploy.rollback', 'tag'],
    ];
    for (const [action, key] of cases) {
      for (const value of HOSTILE)
        expect(ActionParams[action].safeParse({ [key]: value }).success, `${action} ${JSON.stringify(value)}`).toBe(
          false,
        );
      expect(ActionParams[action].safeParse({ [key]: 'db_2026-11-26.sql', extra: 1 }).success).toBe(false);
    }
  });

  test('no action takes a path, a command or a database name from the bot', () => {
    expect(ActionParams['config.archive'].safeParse({ files: ['/etc/shadow'] }).success).toBe(false);
    expect(ActionParams['backup.prune'].safeParse({ keepDays: 7, dir: '/' }).success).toBe(false);
    expect(ActionParams['backup.verify'].safeParse({ scratchDb: 'postgres' }).success).toBe(false);
    expect(ActionParams['backup.offsite'].safeParse({ command: ['sh', '-c', 'id'] }).success).toBe(false);
    for (const limit of [0, -1, 201, 1.5, '20'])
      expect(ActionParams['deploy.tags'].safeParse({ limit }).success, String(limit)).toBe(false);
    for (const keepDays of [0, 3651, '7; rm -rf /'])
      expect(ActionParams['backup.prune'].safeParse({ keepDays }).success, String(keepDays)).toBe(false);
  });
});

describe('argv templates', () => {
  test('placeholders are filled inside one element; a value never splits into two arguments', () => {
    const argv = fillArgv(['rclone', 'copyto', '{file}', 'remote:rec/{name}'], {
      file: '/b/db 1.sql',
      name: 'db 1.sql --delete',
    });
    expect(argv).toEqual(['rclone', 'copyto', '/b/db 1.sql', 'remote:rec/db 1.sql --delete']);
  });

  test('unknown or missing placeholders are config errors', () => {
    const schema = argvTemplate(['file', 'name'], ['file']);
    expect(schema.safeParse(['cp', '{file}', '/x/{nmae}']).error?.issues[0]?.message).toContain(
      'unknown placeholder {nmae}',
    );
    expect(schema.safeParse(['cp', '/x/{name}']).error?.issues[0]?.message).toContain(
      'expected the {file} placeholder',
    );
    expect(schema.safeParse([]).success).toBe(false);
  });
});

describe('agent config for the recovery actions', () => {
  test("defaults are the plan's commands and numbers; nothing invented", () => {
    const config = parseAgentConfig('', 'agent.yml');
    expect(config.backups).toMatchObject({ dir: '/backups/postgres', keepDays: 7, offsiteEnv: {} });
    expect(config.backups.offsite).toBeUndefined();
    expect(config.db.restore).toEqual({
      mode: 'clean',
      schemas: ['public'],
      requireSafetyDump: true,
      dieWithAgent: ['setpriv', '--pdeathsig', 'KILL', '--'],
    });
    expect(config.db.scratch.create).toEqual(['createdb', '{db}']);
    expect(config.deploy).toMatchObject({ repo: '/opt/rec_io_v2', pip: ['pip'], force: false, settleSeconds: 10 });
    expect(config.configBackup).toMatchObject({
      files: ['.env', 'MASTER_PORT_MANIFEST.json', 'config.json'],
      method: 'age',
      ageRecipients: [],
    });
    expect(encryptionOf(config.configBackup)).toMatch(/not configured/);
  });

  test('offsite credentials count as secrets; bad sections name their fields', () => {
    const config = parseAgentConfig(
      'backups:\n  offsiteEnv: { AWS_SECRET_ACCESS_KEY: abcd1234secret, AWS_REGION: eu-west-1 }\n',
      'a.yml',
    );
    expect(secretsOf(config)).toEqual(['abcd1234secret']);
    expect(() =>
      parseAgentConfig(
        'db:\n  restore: { mode: truncate }\n  scratch: { psql: [psql] }\ndeploy:\n  releaseTags: "(["\n',
        'a.yml',
      ),
    ).toThrow(
      new RegExp(
        String.raw`db\.restore\.mode[\s\S]*db\.scratch\.psql: expected the \{db\} placeholder[\s\S]*` +
          String.raw`deploy\.releaseTags: not a valid regular expression`,
      ),
    );
  });

  test('encryption argv: age recipients and identity, openssl with a key file', () => {
    const age = encryptionOf(
      parseAgentConfig(
        'configBackup: { ageRecipients: [age1qyqszqgpqyqszqgpqyqszqgpqyqszqgp], ageIdentityFile: /k/id }',
        'a.yml',
      ).configBackup,
    );
    if (typeof age === 'string') throw new Error(age);
    expect(age.encrypt('/o.partial')).toEqual([
      'age',
      '--encrypt',
      '-r',
      'age1qyqszqgpqyqszqgpqyqszqgpqyqszqgp',
      '-o',
      '/o.partial',
    ]);
    expect(age.decrypt?.('/o')).toEqual(['age', '--decrypt', '-i', '/k/id', '/o']);
    const ssl = encryptionOf(
      parseAgentConfig('configBackup: { method: openssl, opensslKeyFile: /k/key }', 'a.yml').configBackup,
    );
    if (typeof ssl === 'string') throw new Error(ssl);
    expect(ssl.encrypt('/o')).toEqual([
      'openssl',
      'enc',
      '-aes-256-cbc',
      '-pbkdf2',
      '-pass',
      'file:/k/key',
      '-salt',
      '-out',
      '/o',
    ]);
  });
});

describe('backup retention', () => {
  const file = (name: string, mtime = Date.now()): BackupFile => {
    const takenAt = timestampOfName(name) ?? mtime;
    return {
      file: name,
      path: `/b/${name}`,
      bytes: 1,
      modifiedAt: new Date(mtime).toISOString(),
      ageSeconds: 0,
      takenAt: new Date(takenAt).toISOString(),
      mode: '0600',
      sha256: null,
      tested: null,
    };
  };

  test('the time in a name, or undefined for a date that does not exist', () => {
    expect(timestampOfName('db_2026-11-26.sql')).toBe(new Date(2026, 10, 26).getTime());
    expect(timestampOfName('db_2026-11-26_031502.sql')).toBe(new Date(2026, 10, 26, 3, 15, 2).getTime());
    expect(timestampOfName('db_2026-02-30.sql')).toBeUndefined();
    expect(timestampOfName('db_2026-11-26_256000.sql')).toBeUndefined();
  });

  test('older than keepDays × 24 h goes, except the newest', () => {
    const now = new Date(2026, 10, 26, 3, 0, 0).getTime();
    const files = ['db_2026-11-26.sql', 'db_2026-11-19_040000.sql', 'db_2026-11-19.sql', 'db_2026-11-01.sql'].map((n) =>
      file(n),
    );
    const { prune, keep } = choosePrunable(files, now, 7);
    expect(keep.map((f) => f.file)).toEqual(['db_2026-11-26.sql', 'db_2026-11-19_040000.sql']);
    expect(prune.map((f) => f.file)).toEqual(['db_2026-11-19.sql', 'db_2026-11-01.sql']);
    expect(
      choosePrunable([file('db_2020-01-01.sql'), file('db_2019-01-01.sql')], now, 7).keep.map((f) => f.file),
    ).toEqual(['db_2020-01-01.sql']);
  });
});

describe('dump inspection and comparison', () => {
  test("a custom-format dump's table of contents: entries of more than one word, tags with spaces, tables", () => {
    const listing = [
      ';',
      '; Archive created at 2026-12-03 03:58:40 UTC',
      ';     Format: CUSTOM',
      '215; 1259 16389 TABLE public trades recio',
      '214; 1259 16388 SEQUENCE public trades_id_seq recio',
      '3351; 0 0 SEQUENCE OWNED BY public trades_id_seq recio',
      '3197; 2604 16392 DEFAULT public trades id recio',
      '3344; 0 16389 TABLE DATA public trades recio',
      '3352; 0 0 SEQUENCE SET public trades_id_seq recio',
      '3199; 2606 16396 CONSTRAINT public trades trades_pkey recio',
      '3200; 1259 16397 INDEX public trades_symbol_idx recio',
      '3201; 2606 16398 FK CONSTRAINT public fills fills_trade_fkey recio',
      '216; 1259 16400 TABLE audit events recio',
      ';3202; 1259 16401 TABLE public commented_out recio',
    ].join('\n');
    const toc = parseToc(listing);
    expect(toc.map((e) => [e.id, e.desc, e.schema, e.tag, e.owner])).toEqual([
      [215, 'TABLE', 'public', 'trades', 'recio'],
      [214, 'SEQUENCE', 'public', 'trades_id_seq', 'recio'],
      [3351, 'SEQUENCE OWNED BY', 'public', 'trades_id_seq', 'recio'],
      [3197, 'DEFAULT', 'public', 'trades id', 'recio'],
      [3344, 'TABLE DATA', 'public', 'trades', 'recio'],
      [3352, 'SEQUENCE SET', 'public', 'trades_id_seq', 'recio'],
      [3199, 'CONSTRAINT', 'public', 'trades trades_pkey', 'recio'],
      [3200, 'INDEX', 'public', 'trades_symbol_idx', 'recio'],
      [3201, 'FK CONSTRAINT', 'public', 'fills fills_trade_fkey', 'recio'],
      [216, 'TABLE', 'audit', 'events', 'recio'],
    ]);
    expect(tablesOf(toc)).toEqual(['events', 'trades']);
  });

  test('counts line up by table; missing and empty tables are flagged; drift is reported, not judged', () => {
    const live = new Map([
      ['trades', 5],
      ['btc_price_log', 7],
      ['new_table', 1],
    ]);
    const restored = new Map([
      ['trades', 4],
      ['btc_price_log', 7],
      ['kalshi_market_snapshots', 0],
    ]);
    const compared = compareCounts(live, restored, ['trades', 'positions']);
    expect(compared.tables).toEqual([
      { name: 'btc_price_log', live: 7, restored: 7 },
      { name: 'kalshi_market_snapshots', live: null, restored: 0 },
      { name: 'new_table', live: 1, restored: null },
      { name: 'positions', live: null, restored: null },
      { name: 'trades', live: 5, restored: 4 },
    ]);
    expect(compared).toMatchObject({
      matches: false,
      missingInBackup: ['new_table', 'positions'],
      emptyInBackup: ['kalshi_market_snapshots'],
      expectedMissing: ['positions'],
    });
    expect(compareCounts(new Map([['t', 1]]), new Map([['t', 1]]), []).matches).toBe(true);
    expect(compareCounts(undefined, new Map([['t', 1]]), []).matches).toBe(false);
  });
});
