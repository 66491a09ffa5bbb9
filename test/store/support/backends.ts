import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, type OpenStoreOptions, type Store } from '@recio/bot/store/index';
import { ownedTempDirSync } from '../../support/leftovers.js';

/** The machine's shared PostgreSQL; each test file gets a fresh database on it. */
export const MACHINE_ADMIN_URL = process.env.RECIO_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export type BackendName = 'machine' | 'embedded';
export const BACKENDS: readonly BackendName[] = ['machine', 'embedded'];

/** One PostgreSQL for one test file, and every store opened on it, all closed by `teardown`. */
export interface TestBackend {
  name: BackendName;
  /** Opens another store (another "replica": its own pool and instance id) on this backend. */
  open(options?: Partial<OpenStoreOptions>): Promise<Store>;
  /** A connection string for looking behind the store's back (counting rows, tampering). */
  url(): string;
  /** Runs SQL as the database owner, outside the store. */
  sql<R extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
  teardown(): Promise<void>;
}

export async function createMachineDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `recio_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(MACHINE_ADMIN_URL, `CREATE DATABASE ${name}`);
  const url = new URL(MACHINE_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => void (await adminQuery(MACHINE_ADMIN_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

/** A data dir (an embedded cluster runs in some): marked, so a killed run's cluster is reaped. */
export function makeTempDir(what = 'store'): string {
  return ownedTempDirSync(what);
}

export async function startBackend(name: BackendName): Promise<TestBackend> {
  const stores: Store[] = [];
  let url: string | undefined;
  let cleanup: () => Promise<void>;
  let baseOptions: OpenStoreOptions;
  if (name === 'machine') {
    const db = await createMachineDatabase();
    url = db.url;
    baseOptions = { databaseUrl: db.url, dataDir: '/nonexistent-unused' };
    cleanup = db.drop;
  } else {
    const dataDir = makeTempDir();
    baseOptions = { dataDir };
    cleanup = async () => rmSync(dataDir, { recursive: true, force: true });
  }
  const backend: TestBackend = {
    name,
    async open(options = {}) {
      const store = await openStore({ ...baseOptions, ...options });
      stores.push(store);
      if (!url) {
        const config = JSON.parse(readFileSync(join(baseOptions.dataDir, 'embedded.json'), 'utf8')) as {
          port: number;
          user: string;
          password: string;
          database: string;
        };
        url = `postgresql://${config.user}:${config.password}@127.0.0.1:${config.port}/${config.database}`;
      }
      return store;
    },
    url() {
      if (!url) throw new Error('open a store first');
      return url;
    },
    sql: (text, values) => adminQuery(backend.url(), text, values),
    async teardown() {
      // Later stores first: on the embedded backend the first one owns the server.
      for (const store of stores.reverse()) await store.close().catch(() => undefined);
      await cleanup();
    },
  };
  return backend;
}

export async function adminQuery<R extends object = Record<string, unknown>>(
  url: string,
  text: string,
  values?: unknown[],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}
