import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../db/database.js';
import { createDrizzleDocStore } from '../db/repositories/doc-updates.js';
import { createSessionsRepository } from '../db/repositories/sessions.js';
import { createUsersRepository } from '../db/repositories/users.js';
import { openTempDatabase } from '../../test-support/test-server.js';
import { createTempPostgresDatabase } from '../../test-support/postgres.js';
import { docStoreContract } from './doc-store.contract.js';

function storeOn(database: DatabaseHandle) {
  const sessions = createSessionsRepository(database.db);
  const users = createUsersRepository(database.db);
  return {
    store: createDrizzleDocStore(database.db),
    async createSession() {
      const id = `s_${randomBytes(6).toString('hex')}`;
      await users.upsert({ id: 'u_contract_owner_0001', name: 'Owner' });
      await sessions.create({ id, title: 'Contract', repo: 'repo', ownerId: 'u_contract_owner_0001' });
      return id;
    },
  };
}

let pglite: Awaited<ReturnType<typeof openTempDatabase>> | undefined;
let postgres: { database: DatabaseHandle; drop(): Promise<void> } | undefined;

beforeAll(async () => {
  pglite = await openTempDatabase();
  const temp = await createTempPostgresDatabase();
  if (temp) postgres = { database: await openDatabase({ kind: 'postgres', url: temp.url }), drop: temp.drop };
});

afterAll(async () => {
  await pglite?.dispose();
  if (postgres) {
    await postgres.database.close();
    await postgres.drop();
  }
});

docStoreContract('drizzle on PGlite', () => (pglite ? storeOn(pglite.database) : undefined));
docStoreContract('drizzle on PostgreSQL', () => (postgres ? storeOn(postgres.database) : undefined));
