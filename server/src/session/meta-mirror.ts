import type { SessionMeta } from '@tandem/shared/doc/schema.js';
import type { SessionRow } from '../db/repositories/sessions.js';

/**
 * The doc's `meta` is a view of the session row: what the store says about title, repo, owner, end,
 * saved workspace, resume and the session that continued it. Pure: given the row and the doc's current meta, the fields to write so
 * the doc says the same (empty when it already does). A doc written before its fields moved to the
 * store, or changed behind the server's back, is set right by writing this patch.
 *
 * Status is the agent's to write while a session runs (it records it in both places); only an ended
 * session's status comes from the row.
 */
export function decideMetaMirror(row: SessionRow, meta: SessionMeta, continuation?: { sessionId: string; title: string }): Partial<SessionMeta> {
  const wanted: Partial<SessionMeta> = {
    title: row.title,
    repo: row.repo,
    ownerId: row.ownerId,
    ownerName: row.ownerName,
    createdAt: row.createdAt.getTime(),
    endedAt: row.endedAt?.getTime(),
    endSnapshot: row.endSnapshotId && row.endSnapshotBuiltAt ? { id: row.endSnapshotId, builtAtMs: row.endSnapshotBuiltAt.getTime() } : undefined,
    resumedFrom:
      row.resumedFromSessionId && row.resumedFromSnapshotId ? { sessionId: row.resumedFromSessionId, snapshotId: row.resumedFromSnapshotId } : undefined,
    // Found from the continuation's row (its resumed_from_session_id), never from anything a client wrote.
    continuedIn: continuation && { sessionId: continuation.sessionId, title: continuation.title },
  };
  if (row.endedAt) wanted.status = 'done';
  const patch: Partial<SessionMeta> = {};
  for (const key of Object.keys(wanted) as Array<keyof SessionMeta>) {
    const value = wanted[key];
    if (JSON.stringify(value) !== JSON.stringify(meta[key])) Object.assign(patch, { [key]: value });
  }
  return patch;
}

/** The meta keys whose patch value is `undefined`: the store has nothing there, so the doc must not either. */
export function metaKeysToClear(patch: Partial<SessionMeta>): Array<keyof SessionMeta> {
  return (Object.keys(patch) as Array<keyof SessionMeta>).filter((key) => patch[key] === undefined);
}
