import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../db/database.js';
import { createEnvironmentSecretsRepository } from '../db/repositories/environment-secrets.js';
import { environmentSecrets } from '../db/schema.js';
import { createTempPostgresDatabase } from '../../test-support/postgres.js';
import { openTempDatabase } from '../../test-support/test-server.js';
import { createSecretsKeyring } from './secrets-keyring.js';
import { createSecretsStore } from './secrets-store.js';

const quiet = { error: () => {} };
const TESTS_PER_SUITE = 2;
const VALUE = `value-${randomBytes(8).toString('hex')}`;

function storeOver(database: DatabaseHandle, keys: { envMaster?: string; previousEnvMaster?: string } = {}) {
  const repository = createEnvironmentSecretsRepository(database.db);
  return createSecretsStore({ repository, keyring: createSecretsKeyring({ masters: repository.masters, ...keys }), logger: quiet });
}

/** The same behaviour on the embedded store and on PostgreSQL. */
function storeSuite(open: () => Promise<{ database: DatabaseHandle; dispose(): Promise<void> } | undefined>) {
  const disposers: Array<() => Promise<void>> = [];
  /** One fresh database per test, opened in the hook (opening PGlite took 18 s of a 20 s test on a busy machine). */
  const databases: Array<DatabaseHandle | undefined> = [];
  beforeAll(async () => {
    for (let index = 0; index < TESTS_PER_SUITE; index += 1) {
      const opened = await open();
      if (opened) disposers.push(opened.dispose);
      databases.push(opened?.database);
    }
  });
  afterAll(async () => {
    for (const dispose of disposers) await dispose();
  });
  let next = 0;
  const fresh = async () => databases[next++];

  it('keeps only ciphertext, gives a repo its own and the server’s secrets (the repo’s winning), and re-seals on rotation', async (context) => {
    const database = await fresh();
    if (!database) return context.skip();
    const store = storeOver(database);
    await store.put({ scope: 'server', repo: '/r', name: 'SHARED', value: 'server-wide-value', by: 'admin' });
    await store.put({ scope: 'server', repo: '', name: 'TOKEN', value: 'server-token-value', by: 'admin' });
    await store.put({ scope: 'repo', repo: '/r', name: 'TOKEN', value: VALUE, by: 'u_ada' });
    await store.put({ scope: 'repo', repo: '/other', name: 'OTHER', value: 'other-repo-value', by: 'u_bob' });
    expect(await store.valuesFor('/r')).toEqual(
      expect.arrayContaining([
        { name: 'SHARED', scope: 'server', value: 'server-wide-value' },
        { name: 'TOKEN', scope: 'repo', value: VALUE },
      ]),
    );
    expect((await store.valuesFor('/r')).map((secret) => secret.name).sort()).toEqual(['SHARED', 'TOKEN']);
    expect((await store.list('/r')).map((secret) => `${secret.scope}:${secret.name}`)).toEqual(['server:SHARED', 'server:TOKEN', 'repo:TOKEN']);
    for (const row of await database.db.select().from(environmentSecrets)) expect(Buffer.from(row.ciphertext).includes(Buffer.from(VALUE))).toBe(false);

    const before = new Set((await database.db.select().from(environmentSecrets)).map((row) => row.keyId));
    const report = await store.rotate();
    expect(report).toMatchObject({ resealed: 4, unreadable: [] });
    expect(before.has(report.keyId)).toBe(false);
    expect((await store.valuesFor('/r')).find((secret) => secret.name === 'TOKEN')?.value).toBe(VALUE);
    expect(await store.remove('repo', '/r', 'TOKEN')).toBe(true);
    expect((await store.valuesFor('/r')).find((secret) => secret.name === 'TOKEN')?.value).toBe('server-token-value');
  });

  it('with TANDEM_SECRET_KEY the store alone opens nothing; a new key with the old one as PREVIOUS re-seals everything', async (context) => {
    const database = await fresh();
    if (!database) return context.skip();
    const oldKey = randomBytes(32).toString('base64url');
    const newKey = randomBytes(32).toString('base64url');
    await storeOver(database, { envMaster: oldKey }).put({ scope: 'repo', repo: '/r', name: 'TOKEN', value: VALUE, by: 'u_ada' });
    expect(await storeOver(database).valuesFor('/r')).toEqual([]);
    expect(await storeOver(database, { envMaster: newKey }).valuesFor('/r')).toEqual([]);
    const rotated = storeOver(database, { envMaster: newKey, previousEnvMaster: oldKey });
    expect((await rotated.valuesFor('/r'))[0]?.value).toBe(VALUE);
    expect(await rotated.rotate()).toMatchObject({ resealed: 1, unreadable: [] });
    // Once re-sealed, the old key is not needed any more.
    expect((await storeOver(database, { envMaster: newKey }).valuesFor('/r'))[0]?.value).toBe(VALUE);
  });
}

describe('secrets store on PGlite', () => {
  storeSuite(() => openTempDatabase());
});

describe('secrets store on PostgreSQL', () => {
  storeSuite(async () => {
    const target = await createTempPostgresDatabase();
    if (!target) return undefined;
    const database = await openDatabase({ kind: 'postgres', url: target.url });
    return {
      database,
      async dispose() {
        await database.close();
        await target.drop();
      },
    };
  });
});
