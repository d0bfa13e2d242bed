import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../database.js';
import { toolOutputs } from '../schema.js';

/** Whole tool outputs kept beside the doc, which holds only a capped copy. */
export function createToolOutputsRepository(db: Database) {
  return {
    async save(sessionId: string, toolUseId: string, output: string): Promise<void> {
      await db.insert(toolOutputs).values({ sessionId, toolUseId, output }).onConflictDoUpdate({ target: [toolOutputs.sessionId, toolOutputs.toolUseId], set: { output } });
    },
    /** Copies one session's whole outputs to another (a resumed session carries its transcript and outputs). */
    async copySession(fromSessionId: string, toSessionId: string): Promise<void> {
      await db.execute(sql`
        INSERT INTO ${toolOutputs} (session_id, tool_use_id, output, created_at)
        SELECT ${toSessionId}, tool_use_id, output, created_at FROM ${toolOutputs} WHERE session_id = ${fromSessionId}
        ON CONFLICT DO NOTHING`);
    },
    async find(sessionId: string, toolUseId: string): Promise<string | undefined> {
      const [row] = await db
        .select({ output: toolOutputs.output })
        .from(toolOutputs)
        .where(and(eq(toolOutputs.sessionId, sessionId), eq(toolOutputs.toolUseId, toolUseId)));
      return row?.output;
    },
  };
}
export type ToolOutputsRepository = ReturnType<typeof createToolOutputsRepository>;
