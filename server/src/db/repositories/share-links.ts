import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { ShareRole } from '@tandem/shared/roles.js';
import type { Database } from '../database.js';
import { sessionMembers, sessions, shareLinks, users } from '../schema.js';

export interface ShareLinkRow {
  id: string;
  sessionId: string;
  role: ShareRole;
  /** SHA-256 of the token; the token itself is never stored. */
  tokenHash: string;
  createdBy: string;
  createdAt: Date;
  revokedAt: Date | null;
  joinCount: number;
  /** The ended session whose members this link carried over (a link the server made at resume), if any. */
  carriedFromSessionId: string | null;
}

/** What an invite page may show before joining: the session's title, who made the link, its role. */
export interface LinkPreviewRow {
  sessionTitle: string;
  inviterName: string;
  role: ShareRole;
}

export function createShareLinksRepository(db: Database) {
  return {
    async create(link: {
      id: string;
      sessionId: string;
      role: ShareRole;
      tokenHash: string;
      createdBy: string;
      carriedFromSessionId?: string;
    }): Promise<ShareLinkRow> {
      const [row] = await db.insert(shareLinks).values(link).returning();
      if (!row) throw new Error('insert into share_links returned no row');
      return row;
    },

    async listForSession(sessionId: string): Promise<ShareLinkRow[]> {
      return db.select().from(shareLinks).where(eq(shareLinks.sessionId, sessionId)).orderBy(asc(shareLinks.createdAt));
    },

    async findLiveByTokenHash(tokenHash: string): Promise<ShareLinkRow | undefined> {
      const [row] = await db
        .select()
        .from(shareLinks)
        .where(and(eq(shareLinks.tokenHash, tokenHash), isNull(shareLinks.revokedAt)));
      return row;
    },

    /** Only the three facts an invite page shows, for a live link. */
    async findPreviewByTokenHash(tokenHash: string): Promise<LinkPreviewRow | undefined> {
      const [row] = await db
        .select({ sessionTitle: sessions.title, inviterName: users.name, role: shareLinks.role })
        .from(shareLinks)
        .innerJoin(sessions, eq(sessions.id, shareLinks.sessionId))
        .innerJoin(users, eq(users.id, shareLinks.createdBy))
        .where(and(eq(shareLinks.tokenHash, tokenHash), isNull(shareLinks.revokedAt)));
      return row;
    },

    /** Counts a join through a link (in one UPDATE, so simultaneous joins all count). */
    async countJoin(linkId: string, joins = 1): Promise<void> {
      await db
        .update(shareLinks)
        .set({ joinCount: sql`${shareLinks.joinCount} + ${joins}` })
        .where(eq(shareLinks.id, linkId));
    },

    /** Marks a link revoked; returns it, or undefined when it is not a link of this session. */
    async revoke(sessionId: string, linkId: string, nowMs: number): Promise<ShareLinkRow | undefined> {
      const [existing] = await db
        .select()
        .from(shareLinks)
        .where(and(eq(shareLinks.id, linkId), eq(shareLinks.sessionId, sessionId)));
      if (!existing || existing.revokedAt) return existing;
      const [row] = await db
        .update(shareLinks)
        .set({ revokedAt: new Date(nowMs) })
        .where(eq(shareLinks.id, linkId))
        .returning();
      return row;
    },

    /** Records that a person joined through a link; a later link replaces an earlier one. */
    async addMember(member: { sessionId: string; userId: string; linkId: string }): Promise<void> {
      await db
        .insert(sessionMembers)
        .values(member)
        .onConflictDoUpdate({
          target: [sessionMembers.sessionId, sessionMembers.userId],
          set: { linkId: member.linkId, joinedAt: new Date() },
        });
    },
  };
}
export type ShareLinksRepository = ReturnType<typeof createShareLinksRepository>;
