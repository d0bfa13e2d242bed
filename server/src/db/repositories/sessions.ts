import { and, asc, desc, eq, isNull, or } from 'drizzle-orm';
import type { SessionRole, ShareRole } from '@tandem/shared/roles.js';
import type { Database } from '../database.js';
import { sessionMembers, sessions, shareLinks, users } from '../schema.js';

export interface SessionRow {
  id: string;
  title: string;
  repo: string;
  ownerId: string;
  ownerName: string;
  status: string;
  createdAt: Date;
  /** When the owner ended it; the store, not the doc, decides whether a sandbox may boot. */
  endedAt: Date | null;
  /** The snapshot its workspace was saved to when it ended, if any. */
  endSnapshotId: string | null;
  endSnapshotBuiltAt: Date | null;
  /** The ended session (and its saved snapshot) this one resumed, if any. */
  resumedFromSessionId: string | null;
  resumedFromSnapshotId: string | null;
}

/** A session as one person sees it: the row plus the role they hold (owner, or a live link's role). */
export interface SessionWithRole extends SessionRow {
  role: SessionRole;
}

const sessionColumns = {
  id: sessions.id,
  title: sessions.title,
  repo: sessions.repo,
  ownerId: sessions.ownerId,
  ownerName: users.name,
  status: sessions.status,
  createdAt: sessions.createdAt,
  endedAt: sessions.endedAt,
  endSnapshotId: sessions.endSnapshotId,
  endSnapshotBuiltAt: sessions.endSnapshotBuiltAt,
  resumedFromSessionId: sessions.resumedFromSessionId,
  resumedFromSnapshotId: sessions.resumedFromSnapshotId,
};

export function createSessionsRepository(db: Database) {
  return {
    async create(session: {
      id: string;
      title: string;
      repo: string;
      ownerId: string;
      resumedFrom?: { sessionId: string; snapshotId: string };
    }): Promise<void> {
      const { resumedFrom, ...row } = session;
      await db.insert(sessions).values({ ...row, resumedFromSessionId: resumedFrom?.sessionId, resumedFromSnapshotId: resumedFrom?.snapshotId });
    },

    async findById(id: string): Promise<SessionRow | undefined> {
      const [row] = await db
        .select(sessionColumns)
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.ownerId))
        .where(eq(sessions.id, id));
      return row;
    },

    /** The role a person holds through a link that is still live, if any. */
    async findMemberRole(sessionId: string, userId: string): Promise<{ role: 'viewer' | 'editor'; linkId: string } | undefined> {
      const [row] = await db
        .select({ role: shareLinks.role, linkId: shareLinks.id })
        .from(sessionMembers)
        .innerJoin(shareLinks, eq(shareLinks.id, sessionMembers.linkId))
        .where(
          and(eq(sessionMembers.sessionId, sessionId), eq(sessionMembers.userId, userId), isNull(shareLinks.revokedAt)),
        );
      return row;
    },

    /** Sessions a person owns or joined through a link that is still live, newest first. */
    async listVisibleTo(userId: string): Promise<SessionWithRole[]> {
      const rows = await db
        .select({ ...sessionColumns, memberRole: shareLinks.role })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.ownerId))
        .leftJoin(sessionMembers, and(eq(sessionMembers.sessionId, sessions.id), eq(sessionMembers.userId, userId)))
        .leftJoin(shareLinks, and(eq(shareLinks.id, sessionMembers.linkId), isNull(shareLinks.revokedAt)))
        .where(or(eq(sessions.ownerId, userId), and(eq(sessionMembers.userId, userId), isNull(shareLinks.revokedAt))))
        .orderBy(desc(sessions.createdAt));
      const visible: SessionWithRole[] = [];
      for (const { memberRole, ...row } of rows) {
        const role: SessionRole | null = row.ownerId === userId ? 'owner' : memberRole;
        if (role) visible.push({ ...row, role });
      }
      return visible;
    },

    /** People who hold a role in a session through a live link (the owner is not among them). */
    async listLiveMembers(sessionId: string): Promise<Array<{ userId: string; role: ShareRole }>> {
      return db
        .select({ userId: sessionMembers.userId, role: shareLinks.role })
        .from(sessionMembers)
        .innerJoin(shareLinks, eq(shareLinks.id, sessionMembers.linkId))
        .where(and(eq(sessionMembers.sessionId, sessionId), isNull(shareLinks.revokedAt)))
        .orderBy(asc(sessionMembers.joinedAt));
    },

    /** The newest session that resumed this one: where its people carried on. */
    async findContinuation(sessionId: string): Promise<{ sessionId: string; title: string } | undefined> {
      const [row] = await db
        .select({ sessionId: sessions.id, title: sessions.title })
        .from(sessions)
        .where(eq(sessions.resumedFromSessionId, sessionId))
        .orderBy(desc(sessions.createdAt), desc(sessions.id))
        .limit(1);
      return row;
    },

    /** Points a session at another repo (its owner's change, made while no sandbox runs). */
    async setRepo(id: string, repo: string): Promise<void> {
      await db.update(sessions).set({ repo }).where(eq(sessions.id, id));
    },

    async setStatus(id: string, status: string): Promise<void> {
      await db.update(sessions).set({ status }).where(eq(sessions.id, id));
    },

    /** Marks a session ended (once: a second end keeps the first time); returns when it ended. */
    async markEnded(id: string, at: Date): Promise<Date | undefined> {
      await db.update(sessions).set({ endedAt: at, status: 'done' }).where(and(eq(sessions.id, id), isNull(sessions.endedAt)));
      const [row] = await db.select({ endedAt: sessions.endedAt }).from(sessions).where(eq(sessions.id, id));
      return row?.endedAt ?? undefined;
    },

    /** Records the snapshot an ended session's workspace was saved to. */
    async setEndSnapshot(id: string, snapshot: { id: string; builtAt: Date }): Promise<void> {
      await db.update(sessions).set({ endSnapshotId: snapshot.id, endSnapshotBuiltAt: snapshot.builtAt }).where(eq(sessions.id, id));
    },
  };
}
export type SessionsRepository = ReturnType<typeof createSessionsRepository>;
