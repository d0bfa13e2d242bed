import { chmod, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { createDurablePglite } from './durable-pglite.js';
import * as schema from './schema.js';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseHandle {
  db: Database;
  /** `pglite` (embedded, a data directory) or `postgres` (DATABASE_URL). */
  kind: 'pglite' | 'postgres';
  close(): Promise<void>;
}

const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));

export type DatabaseTarget = { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string };

/**
 * PGlite writes its files world-readable (0666 files in 0755 folders, whatever the umask), and its
 * data dir must stay traversable for sandbox uids (snapshots and workspaces live beside the store).
 * The store's own folders become the server user's only, so no other local user or sandbox can read
 * rows such as the identity signing key from the WAL or a table file at a guessable path.
 */
async function restrictStoreFiles(dataDir: string): Promise<void> {
  for (const entry of await readdir(dataDir, { withFileTypes: true })) {
    const storeOwned = /^(base|global|pg_.*|PG_VERSION|postgresql\..*|postmaster\..*)$/.test(entry.name);
    if (storeOwned) await chmod(path.join(dataDir, entry.name), entry.isDirectory() ? 0o700 : 0o600);
  }
}

/** Opens the store and applies every pending drizzle-kit migration before anything else reads it. */
export async function openDatabase(target: DatabaseTarget): Promise<DatabaseHandle> {
  switch (target.kind) {
    case 'pglite': {
      await mkdir(target.dataDir, { recursive: true });
      const client = await createDurablePglite(target.dataDir);
      await restrictStoreFiles(target.dataDir);
      const db = drizzlePglite({ client, schema });
      await migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER });
      return { db, kind: 'pglite', close: () => client.close() };
    }
    case 'postgres': {
      // A commit returns once its WAL is flushed, whatever the server's or database's default says.
      const pool = new pg.Pool({ connectionString: target.url, max: 10, options: '-c synchronous_commit=on' });
      const db = drizzlePostgres({ client: pool, schema });
      await migratePostgres(db, { migrationsFolder: MIGRATIONS_FOLDER });
      return { db, kind: 'postgres', close: () => pool.end() };
    }
    default:
      return target satisfies never;
  }
}
