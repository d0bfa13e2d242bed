import pg from 'pg';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from './database.js';
import { createTempPostgresDatabase } from '../../test-support/postgres.js';
import { openTempDatabase } from '../../test-support/test-server.js';

/** What a commit waits for: these settings decide whether a commit that returned survives a crash. */
async function commitSettings(database: DatabaseHandle): Promise<Record<string, string>> {
  const settings: Record<string, string> = {};
  for (const name of ['fsync', 'synchronous_commit', 'wal_sync_method']) {
    const result = await database.db.execute(sql.raw(`SHOW ${name}`));
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<Record<string, string>>;
    settings[name] = rows[0]![name]!;
  }
  return settings;
}

/** Opening a fresh store (initdb and every migration, fsync on) takes tens of seconds on a loaded 2-core machine. */
const OPEN_STORE_TIMEOUT_MS = 120_000;

describe('a commit that returned is on disk', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('with PGlite: fsync on (its default is off) and the WAL flushed with fsync, which its file system passes on', { timeout: OPEN_STORE_TIMEOUT_MS }, async () => {
    const temp = await openTempDatabase();
    cleanups.push(() => temp.dispose());
    expect(await commitSettings(temp.database)).toEqual({ fsync: 'on', synchronous_commit: 'on', wal_sync_method: 'fsync' });
  });

  it('with PostgreSQL: synchronous commit even where the database says otherwise', { timeout: OPEN_STORE_TIMEOUT_MS }, async (context) => {
    const temp = await createTempPostgresDatabase();
    if (!temp) return context.skip();
    cleanups.push(() => temp.drop());
    const admin = new pg.Client({ connectionString: temp.url });
    await admin.connect();
    await admin.query(`ALTER DATABASE ${new URL(temp.url).pathname.slice(1)} SET synchronous_commit = off`);
    await admin.end();
    const database = await openDatabase({ kind: 'postgres', url: temp.url });
    cleanups.push(() => database.close());
    expect((await commitSettings(database)).synchronous_commit).toBe('on');
  });
});
