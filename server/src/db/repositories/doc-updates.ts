import { and, asc, eq, lte } from 'drizzle-orm';
import type { DocStore, StoredDocUpdates } from '../../sync/doc-store.js';
import type { Database } from '../database.js';
import { docUpdates } from '../schema.js';

/** The doc update log in the drizzle store (PGlite or PostgreSQL alike). */
export function createDrizzleDocStore(db: Database): DocStore {
  return {
    async load(sessionId): Promise<StoredDocUpdates> {
      const rows = await db
        .select({ id: docUpdates.id, data: docUpdates.data })
        .from(docUpdates)
        .where(eq(docUpdates.sessionId, sessionId))
        .orderBy(asc(docUpdates.id));
      return { updates: rows.map((row) => row.data), lastId: rows.at(-1)?.id ?? 0 };
    },

    async append(sessionId, update) {
      const [row] = await db.insert(docUpdates).values({ sessionId, data: update }).returning({ id: docUpdates.id });
      if (!row) throw new Error('insert into doc_updates returned no row');
      return row.id;
    },

    async compact(sessionId, state, throughId) {
      await db.transaction(async (tx) => {
        await tx.insert(docUpdates).values({ sessionId, data: state });
        await tx.delete(docUpdates).where(and(eq(docUpdates.sessionId, sessionId), lte(docUpdates.id, throughId)));
      });
    },
  };
}
