import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What the sandbox's REC.IO programs read from their checkout at start, the way the real ones
 * read theirs: `.env` (database credentials), `config.json` (provider URLs, tuning) and the
 * release's own `release.json`.
 */
export interface ProgramConfig {
  providers: { kalshi: string; coinbase: string };
  tuning: {
    btcIntervalMs: number;
    kalshiIntervalMs: number;
    heartbeatMs: number;
    dbGraceSeconds: number;
    providerGraceSeconds: number;
    apiTimeoutMs: number;
    webMaxFeedAgeSeconds: number;
  };
}

export interface ReleaseInfo {
  version: string;
  modules: string[];
}

export interface DbSettings {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
}

/** `KEY=value` lines; `#` comments and blank lines skipped; no quoting, no expansion. */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) out[match[1]!] = match[2]!.trim();
  }
  return out;
}

export function readDbSettings(repo: string): DbSettings {
  const env = parseDotEnv(readFileSync(join(repo, '.env'), 'utf8'));
  return {
    host: env.POSTGRES_HOST ?? '127.0.0.1',
    port: Number(env.POSTGRES_PORT ?? 5432),
    database: env.POSTGRES_DB ?? 'rec_io',
    user: env.POSTGRES_USER ?? 'rec_io',
    password: env.POSTGRES_PASSWORD ?? '',
  };
}

export function readProgramConfig(repo: string): ProgramConfig {
  return JSON.parse(readFileSync(join(repo, 'config.json'), 'utf8')) as ProgramConfig;
}

export function readRelease(repo: string): ReleaseInfo {
  return JSON.parse(readFileSync(join(repo, 'release.json'), 'utf8')) as ReleaseInfo;
}

/** The first module the release imports that its tree does not have: Python's ImportError. */
export function missingModule(repo: string, release: ReleaseInfo): string | undefined {
  return release.modules.find((module) => !existsSync(join(repo, `${module}.py`)));
}

/** The value after `--name` in argv. */
export function flag(argv: readonly string[], name: string): string | undefined {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 ? argv[index + 1] : undefined;
}

export function log(name: string, message: string): void {
  process.stdout.write(`${new Date().toISOString()} ${name} ${message}\n`);
}
