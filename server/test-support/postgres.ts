import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The machine's PostgreSQL (trust auth); override with TANDEM_TEST_POSTGRES_URL. */
export const TEST_POSTGRES_URL = process.env.TANDEM_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Set to 1 (as .ci/run does) to fail, not skip, when PostgreSQL does not answer: CI must test that path. */
const POSTGRES_REQUIRED = process.env.TANDEM_TEST_REQUIRE_POSTGRES === '1';

/**
 * Creates a throwaway database on the test server, or returns undefined (with the reason printed)
 * when no PostgreSQL answers, so the PostgreSQL path is skipped visibly rather than silently.
 */
export async function createTempPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
  } catch (error) {
    if (POSTGRES_REQUIRED) throw new Error(`PostgreSQL at ${TEST_POSTGRES_URL} is not reachable and TANDEM_TEST_REQUIRE_POSTGRES=1: start it (.ci/run does) or unset the variable`, { cause: error });
    console.warn(`[tandem tests] PostgreSQL at ${TEST_POSTGRES_URL} is not reachable; skipping its tests: ${String(error)}`);
    return undefined;
  }
  const name = `tandem_test_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const cleanup = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
