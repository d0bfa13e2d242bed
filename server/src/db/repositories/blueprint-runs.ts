import { desc, eq, inArray } from 'drizzle-orm';
import type { RunRecord } from '../../blueprint/run-record.js';
import type { Database } from '../database.js';
import { blueprintRuns } from '../schema.js';

/** The run states a restarted server goes on with. */
const ACTIVE_RUN_STATES = ['running', 'waiting'];

/** A stored run as it was read, not yet trusted: `record` goes through parseRunRecord. */
export interface StoredRun {
  id: string;
  sessionId: string;
  record: unknown;
}

function toStored(row: typeof blueprintRuns.$inferSelect): StoredRun {
  return {
    id: row.id,
    sessionId: row.sessionId,
    record: {
      id: row.id,
      sessionId: row.sessionId,
      repo: row.repo,
      blueprint: row.blueprint,
      goal: row.goal,
      startedBy: { id: row.startedById, name: row.startedByName },
      startedAt: row.startedAt.getTime(),
      sessionUrl: row.sessionUrl,
      engine: row.engine,
      nodeRecords: row.nodeRecords,
      actors: row.actors,
      commit: row.commit ?? undefined,
      ship: row.ship,
    },
  };
}

/** Blueprint runs' state, one row per run, so a restarted server can go on with them. */
export function createBlueprintRunsRepository(db: Database) {
  return {
    async save(record: RunRecord): Promise<void> {
      const values = {
        repo: record.repo,
        state: record.engine.state,
        blueprint: record.blueprint,
        goal: record.goal,
        startedById: record.startedBy.id,
        startedByName: record.startedBy.name,
        startedAt: new Date(record.startedAt),
        sessionUrl: record.sessionUrl,
        engine: record.engine,
        nodeRecords: record.nodeRecords,
        actors: record.actors,
        commit: record.commit ?? null,
        ship: record.ship,
        updatedAt: new Date(),
      };
      await db
        .insert(blueprintRuns)
        .values({ id: record.id, sessionId: record.sessionId, ...values })
        .onConflictDoUpdate({ target: blueprintRuns.id, set: values });
    },

    /** The session's latest run, whatever its state. */
    async latestForSession(sessionId: string): Promise<StoredRun | undefined> {
      const [row] = await db.select().from(blueprintRuns).where(eq(blueprintRuns.sessionId, sessionId)).orderBy(desc(blueprintRuns.startedAt)).limit(1);
      return row ? toStored(row) : undefined;
    },

    /** Sessions whose latest stored run was running or waiting when the server stopped. */
    async sessionsWithActiveRuns(): Promise<string[]> {
      const rows = await db.selectDistinct({ sessionId: blueprintRuns.sessionId }).from(blueprintRuns).where(inArray(blueprintRuns.state, ACTIVE_RUN_STATES));
      return rows.map((row) => row.sessionId);
    },
  };
}
export type BlueprintRunsRepository = ReturnType<typeof createBlueprintRunsRepository>;
