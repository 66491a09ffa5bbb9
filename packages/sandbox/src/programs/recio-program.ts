#!/usr/bin/env node
/**
 * One of the six REC.IO v2 programs, as the sandbox runs them under supervisord:
 *   recio-program.js <name> --repo <checkout> --faults <dir>
 * At start it loads its release (a module the release lacks is an ImportError: exit 1 before
 * supervisord's startsecs, so BACKOFF then FATAL) and connects to the database (refused: exit 1,
 * the same way). Running, it heartbeats to its log and to service_heartbeats; the two watchdogs
 * also copy their provider's data into the database. A dependency down longer than its grace
 * makes it exit non-zero, as the real services do.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { ApiError, couldNotConnect, Dependency, fetchJson, isConnectionError } from './program-deps.js';
import {
  flag,
  log as logLine,
  missingModule,
  readDbSettings,
  readProgramConfig,
  readRelease,
} from './program-files.js';
import { HEARTBEATS, FEEDS, type ProgramContext } from './program-behaviours.js';

const argv = process.argv.slice(2);
const name = argv[0] ?? 'unknown';
const repo = flag(argv, 'repo') ?? process.cwd();
const faultsDir = flag(argv, 'faults');
const log = (message: string) => logLine(name, message);

/** `break service-crash`: <faults>/<name> holds how many more starts must crash, or "always". */
function injectedCrash(): boolean {
  if (faultsDir === undefined) return false;
  const file = join(faultsDir, name);
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch {
    // No fault file: no injected crash.
    return false;
  }
  if (text === 'always') return true;
  const left = Number(text);
  if (!Number.isInteger(left) || left <= 0) return false;
  if (left === 1) rmSync(file, { force: true });
  else writeFileSync(file, `${left - 1}\n`);
  return true;
}

async function main(): Promise<void> {
  const release = readRelease(repo);
  log(`starting (release ${release.version}, pid ${process.pid})`);
  if (injectedCrash()) {
    log(`Traceback (most recent call last): File "${repo}/rec_io/trading.py", line 212, in run`);
    log('RuntimeError: order book out of sync (sandbox fault: service-crash)');
    process.exit(1);
  }
  const missing = missingModule(repo, release);
  if (missing !== undefined) {
    log(`Traceback (most recent call last): File "${repo}/${name}.py", line 3, in <module>`);
    log(`ModuleNotFoundError: No module named '${missing.replaceAll('/', '.')}' (release ${release.version})`);
    process.exit(1);
  }
  const config = readProgramConfig(repo);
  const dbSettings = readDbSettings(repo);
  // pg only after the release checks: a crash at start must beat supervisord's startsecs.
  const { default: pg } = await import('pg');
  const pool: Pool = new pg.Pool({ ...dbSettings, max: 2, connectionTimeoutMillis: 2_000, idleTimeoutMillis: 10_000 });
  pool.on('error', () => undefined);
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    log(isConnectionError(error) ? couldNotConnect(dbSettings) : `FATAL: ${(error as Error).message}`);
    process.exit(1);
  }
  log('connected to the database');

  const db = new Dependency();
  const api = new Dependency();
  const ctx: ProgramContext = {
    name,
    release: release.version,
    config,
    log,
    query: async (sql, params = []) => {
      try {
        const result = await pool.query(sql, params);
        db.markUp();
        return result.rows;
      } catch (error) {
        if (isConnectionError(error)) db.markDown();
        throw error;
      }
    },
    fetch: async (provider, path) => {
      try {
        const data = await fetchJson(provider, config.providers[provider], path, config.tuning.apiTimeoutMs);
        api.markUp();
        return data;
      } catch (error) {
        api.markDown();
        throw error;
      }
    },
  };

  const guard = (work: () => Promise<void>) => {
    let busy = false;
    return async () => {
      if (busy) return;
      busy = true;
      try {
        await work();
      } catch (error) {
        if (error instanceof ApiError) log(error.message);
        else if (isConnectionError(error)) log(couldNotConnect(dbSettings));
        else log(`ERROR: ${(error as Error).message}`);
      } finally {
        busy = false;
      }
      if (db.downForSeconds() > config.tuning.dbGraceSeconds) {
        log(`FATAL: database unreachable for ${Math.round(db.downForSeconds())}s, exiting`);
        process.exit(2);
      }
      if (api.downForSeconds() > config.tuning.providerGraceSeconds) {
        log(`FATAL: provider unreachable for ${Math.round(api.downForSeconds())}s, exiting`);
        process.exit(1);
      }
    };
  };

  const heartbeat = HEARTBEATS[name];
  const beat = guard(async () => {
    const summary = heartbeat === undefined ? 'ok' : await heartbeat(ctx);
    await ctx.query(
      'INSERT INTO service_heartbeats (service, beat_at, pid, release) VALUES ($1, now(), $2, $3) ' +
        'ON CONFLICT (service) DO UPDATE SET beat_at = now(), pid = $2, release = $3',
      [name, process.pid, release.version],
    );
    log(`heartbeat: ${summary}`);
  });
  setInterval(beat, config.tuning.heartbeatMs);
  const feed = FEEDS[name];
  if (feed !== undefined) {
    const tick = guard(() => feed.tick(ctx));
    setInterval(tick, feed.intervalMs(config));
    void tick();
  }
  void beat();
  process.on('SIGTERM', () => {
    log('stopping (SIGTERM)');
    void pool.end().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 2_000).unref();
  });
}

main().catch((error: unknown) => {
  log(`FATAL: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
