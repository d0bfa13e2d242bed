import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../database.js';
import { environmentApprovals, networkAttempts, sessionNetworkHosts } from '../schema.js';

/** Distinct attempt rows kept per scope; beyond it new hosts are not recorded (the counts of known ones still grow). */
export const MAX_ATTEMPT_ROWS_PER_SCOPE = 1_000;

export interface AttemptRecord {
  scope: string;
  sessionId: string | null;
  phase: 'setup' | 'session';
  host: string;
  port: number;
  allowed: boolean;
  reason: string;
  bytesOut: number;
  bytesIn: number;
  atMs: number;
}

export const sessionScope = (sessionId: string) => `session:${sessionId}`;
export const setupScope = (repo: string) => `setup:${repo}`;

/** The network record of sessions and setups, approvals of repo environment files, and hosts opened per session. */
export function createNetworkRepository(db: Database) {
  return {
    async recordAttempt(attempt: AttemptRecord): Promise<void> {
      const at = new Date(attempt.atMs);
      const [{ rows } = { rows: 0 }] = await db
        .select({ rows: sql<number>`count(*)::int` })
        .from(networkAttempts)
        .where(eq(networkAttempts.scope, attempt.scope));
      const values = { ...attempt, firstAt: at, lastAt: at };
      if (rows >= MAX_ATTEMPT_ROWS_PER_SCOPE) {
        await db
          .update(networkAttempts)
          .set({ attempts: sql`${networkAttempts.attempts} + 1`, bytesOut: sql`${networkAttempts.bytesOut} + ${attempt.bytesOut}`, bytesIn: sql`${networkAttempts.bytesIn} + ${attempt.bytesIn}`, lastAt: at })
          .where(and(eq(networkAttempts.scope, attempt.scope), eq(networkAttempts.phase, attempt.phase), eq(networkAttempts.host, attempt.host), eq(networkAttempts.port, attempt.port), eq(networkAttempts.allowed, attempt.allowed)));
        return;
      }
      await db
        .insert(networkAttempts)
        .values({ scope: values.scope, sessionId: values.sessionId, phase: values.phase, host: values.host, port: values.port, allowed: values.allowed, reason: values.reason, bytesOut: values.bytesOut, bytesIn: values.bytesIn, firstAt: at, lastAt: at })
        .onConflictDoUpdate({
          target: [networkAttempts.scope, networkAttempts.phase, networkAttempts.host, networkAttempts.port, networkAttempts.allowed],
          set: {
            attempts: sql`${networkAttempts.attempts} + 1`,
            bytesOut: sql`${networkAttempts.bytesOut} + ${attempt.bytesOut}`,
            bytesIn: sql`${networkAttempts.bytesIn} + ${attempt.bytesIn}`,
            reason: attempt.reason,
            lastAt: at,
          },
        });
    },

    async attempts(scope: string) {
      return db.select().from(networkAttempts).where(eq(networkAttempts.scope, scope)).orderBy(desc(networkAttempts.lastAt));
    },

    async approve(repo: string, contentHash: string, userId: string): Promise<void> {
      await db.insert(environmentApprovals).values({ repo, contentHash, approvedBy: userId }).onConflictDoNothing();
    },

    /** Whether `userId` approved exactly this content for the repo (or anyone did, when `userId` is null). */
    async isApproved(repo: string, contentHash: string, userId: string | null): Promise<boolean> {
      const conditions = [eq(environmentApprovals.repo, repo), eq(environmentApprovals.contentHash, contentHash)];
      if (userId !== null) conditions.push(eq(environmentApprovals.approvedBy, userId));
      const [row] = await db.select({ repo: environmentApprovals.repo }).from(environmentApprovals).where(and(...conditions)).limit(1);
      return row !== undefined;
    },

    async openHost(sessionId: string, host: string, userId: string): Promise<boolean> {
      const inserted = await db.insert(sessionNetworkHosts).values({ sessionId, host, openedBy: userId }).onConflictDoNothing().returning({ host: sessionNetworkHosts.host });
      return inserted.length > 0;
    },

    async openedHosts(sessionId: string) {
      return db.select().from(sessionNetworkHosts).where(eq(sessionNetworkHosts.sessionId, sessionId)).orderBy(asc(sessionNetworkHosts.openedAt));
    },
  };
}
export type NetworkRepository = ReturnType<typeof createNetworkRepository>;
