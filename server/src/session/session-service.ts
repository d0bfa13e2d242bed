import { randomBytes } from 'node:crypto';
import { appendTranscriptEntry, appendUserMessage, clearMetaFields, readMeta, writeMeta } from '@tandem/shared/doc/accessors.js';
import { Origin, personOrigin } from '@tandem/shared/doc/origins.js';
import { sessionStatusSchema } from '@tandem/shared/doc/schema.js';
import { CHAT_RATE_LIMIT_COUNT, CHAT_RATE_LIMIT_WINDOW_MS } from '@tandem/shared/limits.js';
import type { CreateSessionBody, JoinPreview, NewShareLink, SessionSummary, ShareLink } from '@tandem/shared/protocol/http.js';
import { canEditSession, canManageSharing, type ShareRole } from '@tandem/shared/roles.js';
import type { Identity } from '../auth/identity-token.js';
import { hashSecret, newBearerSecret } from '../auth/secret-hash.js';
import type { SessionRow, SessionsRepository } from '../db/repositories/sessions.js';
import type { ShareLinkRow, ShareLinksRepository } from '../db/repositories/share-links.js';
import type { ToolOutputsRepository } from '../db/repositories/tool-outputs.js';
import { ConflictError, DeniedError, NotFoundError, RateLimitedError } from '../domain/errors.js';
import type { DocHost } from '../sync/doc-host.js';
import { decideSessionAccess, type SessionAccessDecision } from './decisions.js';
import { createLinkSockets } from './link-sockets.js';
import { decideMetaMirror, metaKeysToClear } from './meta-mirror.js';
import { createRateLimiter } from './rate-limiter.js';
import { createResumeCarry } from './resume-carry.js';

export interface SessionServiceDeps {
  sessions: SessionsRepository;
  shareLinks: ShareLinksRepository;
  docHost: DocHost;
  /** Whole tool outputs, copied into a session that resumes another. */
  toolOutputs?: Pick<ToolOutputsRepository, 'copySession'>;
  nowMs?: () => number;
}

export type GrantedAccess = Extract<SessionAccessDecision, { kind: 'granted' }> & { session: SessionRow };

const newId = (prefix: string, bytes: number) => `${prefix}_${randomBytes(bytes).toString('base64url')}`;

function toSummary(row: SessionRow, role: SessionSummary['role']): SessionSummary {
  const status = sessionStatusSchema.safeParse(row.status);
  return {
    id: row.id,
    title: row.title,
    repo: row.repo,
    status: status.success ? status.data : 'idle',
    ownerId: row.ownerId,
    ownerName: row.ownerName,
    role,
    createdAt: row.createdAt.getTime(),
    endedAt: row.endedAt?.getTime() ?? null,
  };
}

function toShareLink(row: ShareLinkRow, titles: ReadonlyMap<string, string> = new Map()): ShareLink {
  const carriedTitle = row.carriedFromSessionId ? titles.get(row.carriedFromSessionId) : undefined;
  return {
    id: row.id,
    role: row.role,
    createdAt: row.createdAt.getTime(),
    revokedAt: row.revokedAt?.getTime() ?? null,
    joinCount: row.joinCount,
    carriedFrom: row.carriedFromSessionId ? { sessionId: row.carriedFromSessionId, title: carriedTitle ?? 'an earlier session' } : null,
  };
}

/** Session lifecycle, ownership and sharing; every access check for HTTP and /sync goes through here. */
export function createSessionService(deps: SessionServiceDeps) {
  const nowMs = deps.nowMs ?? Date.now;
  const sockets = createLinkSockets();
  const chatLimiter = createRateLimiter(CHAT_RATE_LIMIT_COUNT, CHAT_RATE_LIMIT_WINDOW_MS);
  const resumeCarry = createResumeCarry({ ...deps, nowMs });

  async function decideAccess(sessionId: string, userId: string): Promise<SessionAccessDecision & { session?: SessionRow }> {
    const session = await deps.sessions.findById(sessionId);
    const membership = session && session.ownerId !== userId ? await deps.sessions.findMemberRole(sessionId, userId) : undefined;
    const decision = decideSessionAccess({ session, userId, membership });
    return { ...decision, session };
  }

  /** Access for an HTTP call: 404 for an unknown session, 403 without a role. */
  async function requireAccess(sessionId: string, identity: Identity): Promise<GrantedAccess> {
    const decision = await decideAccess(sessionId, identity.id);
    switch (decision.kind) {
      case 'not-found':
        throw NotFoundError.of('Session');
      case 'forbidden':
        throw new DeniedError('You have no access to this session. Ask its owner for a share link.');
      case 'granted':
        if (!decision.session) throw NotFoundError.of('Session');
        return { ...decision, session: decision.session };
      default:
        return decision satisfies never;
    }
  }

  async function requireOwner(sessionId: string, identity: Identity, what = 'manages share links'): Promise<GrantedAccess> {
    const access = await requireAccess(sessionId, identity);
    if (!canManageSharing(access.role)) throw new DeniedError(`Only the session owner ${what}`);
    return access;
  }

  /**
   * The workspace an ended session saved, for a new session to resume (its editors and owner may).
   * Read from the session's row: the snapshot is bound to the session it was saved from.
   */
  async function savedWorkspaceOf(sessionId: string, identity: Identity) {
    const access = await requireAccess(sessionId, identity);
    if (!canEditSession(access.role)) throw new DeniedError('Only editors of a session can resume it');
    const { endedAt, endSnapshotId } = access.session;
    if (!endedAt || !endSnapshotId) throw new ConflictError('That session has no saved workspace; its owner must end it first');
    return { session: access.session, snapshotId: endSnapshotId };
  }

  /** Writes what the store says about a session into its doc's meta, where the doc says otherwise. */
  async function mirrorToDoc(sessionId: string): Promise<void> {
    const row = await deps.sessions.findById(sessionId);
    if (!row) return;
    const continuation = row.endedAt ? await deps.sessions.findContinuation(sessionId) : undefined;
    await deps.docHost.change(sessionId, (doc) => {
      const patch = decideMetaMirror(row, readMeta(doc), continuation);
      if (Object.keys(patch).length === 0) return;
      doc.transact(() => {
        writeMeta(doc, patch, Origin.server);
        clearMetaFields(doc, metaKeysToClear(patch), Origin.server);
      }, Origin.server);
    });
  }

  return {
    decideAccess,
    requireAccess,
    mirrorToDoc,
    /** Open sockets by the link that let them in; /sync and /terminal register theirs. */
    sockets,

    /** The owner ends the session: its row is marked ended so no new sandbox boots for it; the doc shows it. */
    async markEnded(sessionId: string, identity: Identity): Promise<GrantedAccess> {
      const access = await requireOwner(sessionId, identity, 'can end it');
      await deps.sessions.markEnded(sessionId, new Date(nowMs()));
      await mirrorToDoc(sessionId);
      return access;
    },

    async create(identity: Identity, body: CreateSessionBody): Promise<SessionSummary> {
      const resumedFrom = body.resumeFrom ? await savedWorkspaceOf(body.resumeFrom, identity) : undefined;
      const repo = resumedFrom?.session.repo ?? body.repo;
      const id = newId('s', 9);
      // Whoever resumes owns the new session; the ended session's people keep their roles (resume-carry).
      await deps.sessions.create({
        id,
        title: body.title,
        repo,
        ownerId: identity.id,
        resumedFrom: resumedFrom && { sessionId: resumedFrom.session.id, snapshotId: resumedFrom.snapshotId },
      });
      const row = await deps.sessions.findById(id);
      if (!row) throw new Error(`session ${id} vanished after insert`);
      if (resumedFrom) await resumeCarry.carry(resumedFrom.session, id, identity);
      await deps.docHost.change(id, (doc) =>
        writeMeta(doc, { ...decideMetaMirror(row, readMeta(doc)), status: 'idle', timings: { requestedAt: nowMs() } }, Origin.server),
      );
      // The ended session's open tabs learn where it continues.
      if (resumedFrom) await mirrorToDoc(resumedFrom.session.id);
      return toSummary(row, 'owner');
    },

    async list(identity: Identity): Promise<SessionSummary[]> {
      const rows = await deps.sessions.listVisibleTo(identity.id);
      return rows.map((row) => toSummary(row, row.role));
    },

    async get(sessionId: string, identity: Identity): Promise<SessionSummary> {
      const access = await requireAccess(sessionId, identity);
      return toSummary(access.session, access.role);
    },

    toSummary,

    /** An editor's message (to people or the agent), within the per-person rate limit. */
    async requireMessageRights(sessionId: string, identity: Identity): Promise<GrantedAccess> {
      const access = await requireAccess(sessionId, identity);
      if (!canEditSession(access.role)) throw new DeniedError('Viewers cannot post or steer in this session; ask the owner for an editor link');
      if (!chatLimiter.tryTake(`${sessionId}:${identity.id}`, nowMs())) {
        throw new RateLimitedError('Too many messages; wait a few seconds and send again');
      }
      return access;
    },

    /** A person's chat message, written by the server so its author is the signed identity. */
    async postMessage(sessionId: string, identity: Identity, text: string): Promise<string> {
      await this.requireMessageRights(sessionId, identity);
      const entryId = newId('m', 9);
      await deps.docHost.change(sessionId, (doc) =>
        appendUserMessage(
          doc,
          { id: entryId, authorId: identity.id, authorName: identity.name, text, delivery: 'chat', createdAt: nowMs() },
          personOrigin(identity),
        ),
      );
      return entryId;
    },

    /** The owner's new repo for the session: stored, then mirrored into the doc's meta. Rights are checked by the caller (decideSandboxRestart). */
    async setRepo(sessionId: string, repo: string): Promise<SessionRow> {
      await deps.sessions.setRepo(sessionId, repo);
      await mirrorToDoc(sessionId);
      const row = await deps.sessions.findById(sessionId);
      if (!row) throw NotFoundError.of('Session');
      return row;
    },

    /** A line in the transcript saying what a person did to the session (written by the server, so its name is the signed one). */
    async notePersonAction(sessionId: string, text: string): Promise<void> {
      await deps.docHost.change(sessionId, (doc) =>
        appendTranscriptEntry(doc, { kind: 'system-notice', id: newId('n', 9), level: 'info', text, createdAt: nowMs() }, Origin.server),
      );
    },

    /** Mints a link; its token is returned this once and only its hash is stored. */
    async createLink(sessionId: string, identity: Identity, role: ShareRole): Promise<NewShareLink> {
      await requireOwner(sessionId, identity);
      const token = newBearerSecret();
      const row = await deps.shareLinks.create({
        id: newId('l', 9),
        sessionId,
        role,
        tokenHash: hashSecret(token),
        createdBy: identity.id,
      });
      return { ...toShareLink(row), token };
    },

    async listLinks(sessionId: string, identity: Identity): Promise<ShareLink[]> {
      const { session } = await requireOwner(sessionId, identity);
      const links = await deps.shareLinks.listForSession(sessionId);
      // A carried link names the session it carried people from (the one this resumed).
      const previous = session.resumedFromSessionId ? await deps.sessions.findById(session.resumedFromSessionId) : undefined;
      const titles = new Map(previous ? [[previous.id, previous.title]] : []);
      return links.map((link) => toShareLink(link, titles));
    },

    /** What an invite page shows before joining: title, who made the link, its role. Nothing else. */
    async previewLink(token: string): Promise<JoinPreview> {
      const preview = await deps.shareLinks.findPreviewByTokenHash(hashSecret(token));
      if (!preview) throw NotFoundError.of('Share link (it may have been revoked)');
      return { sessionTitle: preview.sessionTitle, inviterName: preview.inviterName, role: preview.role };
    },

    /** Revokes a link and closes every open socket it let in (sync, terminal), at once. */
    async revokeLink(sessionId: string, identity: Identity, linkId: string): Promise<ShareLink> {
      await requireOwner(sessionId, identity);
      const row = await deps.shareLinks.revoke(sessionId, linkId, nowMs());
      if (!row) throw NotFoundError.of('Share link');
      sockets.closeLink(sessionId, linkId);
      return toShareLink(row);
    },

    /** Opens a share link: the person becomes a member with the link's role (the owner stays owner). */
    async join(identity: Identity, token: string): Promise<SessionSummary> {
      const link = await deps.shareLinks.findLiveByTokenHash(hashSecret(token));
      if (!link) throw NotFoundError.of('Share link (it may have been revoked)');
      const session = await deps.sessions.findById(link.sessionId);
      if (!session) throw NotFoundError.of('Session');
      if (session.ownerId === identity.id) return toSummary(session, 'owner');
      await deps.shareLinks.addMember({ sessionId: session.id, userId: identity.id, linkId: link.id });
      await deps.shareLinks.countJoin(link.id);
      return toSummary(session, link.role);
    },
  };
}
export type SessionService = ReturnType<typeof createSessionService>;
