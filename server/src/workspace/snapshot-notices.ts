import { appendTranscriptEntry, clearMetaFields, writeMeta } from '@tandem/shared/doc/accessors.js';
import { Origin } from '@tandem/shared/doc/origins.js';
import type { SessionMeta } from '@tandem/shared/doc/schema.js';
import type { SnapshotRef } from '../sandbox/provider.js';
import type { RebuildFailure, SnapshotEvent, SnapshotNote } from '../sandbox/snapshot-manager.js';
import type { DocHost } from '../sync/doc-host.js';

/** A commit as people read it: its first 7 characters. */
export const shortCommit = (commit: string) => commit.slice(0, 7);
const utcTime = (atMs: number) => `${new Date(atMs).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** The start's message while a new session waits for its repo's snapshot to catch up with a moved HEAD. */
export function snapshotUpdateMessage(commit: string, sinceBuiltAtMs: number): string {
  return `Updating the snapshot to ${shortCommit(commit)}: the repo moved since ${utcTime(sinceBuiltAtMs)}`;
}

/** What a running session is told once its repo's snapshot was rebuilt at another commit. */
export function repoMovedNotice(commit: string): string {
  return `The repo has moved to ${shortCommit(commit)} since this session started; new sessions start from it.`;
}

/** What the sessions a failed rebuild affects are told (the log's tail is in meta, shown beside it). */
export function rebuildFailedNotice(summary: string, commit: string, keptBuiltAtMs: number): string {
  const at = commit === 'none' ? '' : ` at ${shortCommit(commit)}`;
  return `The snapshot rebuild${at} failed: ${summary}. This session runs on the snapshot of ${utcTime(keptBuiltAtMs)}; fix the repo's setup and commit, and the next rebuild picks it up.`;
}

export interface WorkspaceOrigin {
  repo: string;
  commit: string;
  /** The commit the repo's snapshot was rebuilt at since (what "Update to" brings the workspace to). */
  movedTo?: string;
}

/**
 * What each session is told of its repo's snapshot, in meta (for the page) and the transcript: the
 * commit it started from, that its start waited for a new snapshot, and, while it runs, that the repo
 * moved on or that a rebuild failed.
 */
export function createSnapshotNotices(deps: { docHost: DocHost; logger: { error(message: string, error?: unknown): void } }) {
  /** The repo and commit each running (or starting) session started from (or was updated to), and the commit its repo moved to since. */
  const origins = new Map<string, WorkspaceOrigin>();
  const meta = (sessionId: string, patch: Partial<SessionMeta>) => deps.docHost.change(sessionId, (doc) => writeMeta(doc, patch, Origin.sandbox));
  const notice = (sessionId: string, level: 'info' | 'warning', text: string) =>
    deps.docHost.change(sessionId, (doc) =>
      appendTranscriptEntry(doc, { kind: 'system-notice', id: `n_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`, level, text, createdAt: Date.now() }, Origin.sandbox),
    );

  async function showFailure(sessionId: string, failure: RebuildFailure, keptBuiltAtMs: number): Promise<void> {
    await meta(sessionId, { snapshotFailure: { summary: failure.summary, logTail: failure.logTail, commit: failure.commit, failedAtMs: failure.failedAtMs, runningOnBuiltAtMs: keptBuiltAtMs } });
    await notice(sessionId, 'warning', rebuildFailedNotice(failure.summary, failure.commit, keptBuiltAtMs));
  }

  async function onEvent(event: SnapshotEvent): Promise<void> {
    for (const [sessionId, origin] of origins) {
      if (origin.repo !== event.repo) continue;
      switch (event.kind) {
        case 'rebuilt':
          await deps.docHost.change(sessionId, (doc) => clearMetaFields(doc, ['snapshotFailure'], Origin.sandbox));
          if (event.snapshot.commit === 'none' || event.snapshot.commit === origin.commit) break;
          origins.set(sessionId, { ...origin, movedTo: event.snapshot.commit });
          await meta(sessionId, { repoMoved: { commit: event.snapshot.commit, snapshotBuiltAtMs: event.snapshot.builtAtMs } });
          await notice(sessionId, 'info', repoMovedNotice(event.snapshot.commit));
          break;
        case 'rebuild-failed':
          await showFailure(sessionId, event.failure, event.kept.builtAtMs);
          break;
        default:
          event satisfies never;
      }
    }
  }

  return {
    /** A boot begins: what the last one said of its snapshot is not true of this one. */
    async reset(sessionId: string): Promise<void> {
      origins.delete(sessionId);
      await deps.docHost.change(sessionId, (doc) => clearMetaFields(doc, ['startedFrom', 'snapshotUpdate', 'repoMoved', 'snapshotFailure', 'updatedTo'], Origin.sandbox));
    },

    /** What a session's start hears from `ensure`, written to its doc; `settled` resolves once all of it is. */
    forStart(sessionId: string): { onNote: (note: SnapshotNote) => void; settled: () => Promise<void> } {
      const writes: Promise<void>[] = [];
      return {
        onNote(note) {
          switch (note.kind) {
            case 'updating':
              writes.push(meta(sessionId, { snapshotUpdate: { commit: note.commit, sinceBuiltAtMs: note.sinceBuiltAtMs }, sandboxMessage: snapshotUpdateMessage(note.commit, note.sinceBuiltAtMs) }));
              break;
            case 'kept-after-failure':
              writes.push(showFailure(sessionId, note.failure, note.kept.builtAtMs));
              break;
            default:
              note satisfies never;
          }
        },
        settled: async () => void (await Promise.all(writes)),
      };
    },

    /** The session starts from this snapshot; one of its repo's (`repo` undefined for a resumed workspace, which no rebuild concerns). */
    async started(sessionId: string, snapshot: SnapshotRef, repo: string | undefined): Promise<void> {
      await meta(sessionId, { startedFrom: { commit: snapshot.commit, snapshotBuiltAtMs: snapshot.builtAtMs } });
      if (repo !== undefined) origins.set(sessionId, { repo, commit: snapshot.commit });
    },

    /** Where a running session's workspace is, for an update (undefined for a resumed workspace, or one not running). */
    origin(sessionId: string): WorkspaceOrigin | undefined {
      return origins.get(sessionId);
    },

    /** A person updated the running workspace to its repo's newer commit: told to all, and it is the session's origin now. */
    async updated(sessionId: string, commit: string, byName: string, text: string): Promise<void> {
      const origin = origins.get(sessionId);
      if (origin) origins.set(sessionId, { repo: origin.repo, commit });
      await deps.docHost.change(sessionId, (doc) => clearMetaFields(doc, ['repoMoved'], Origin.sandbox));
      await meta(sessionId, { updatedTo: { commit, byName, atMs: Date.now() } });
      await notice(sessionId, 'info', text);
    },

    /** The session's sandbox failed or stopped: it hears of no more rebuilds. */
    forget(sessionId: string): void {
      origins.delete(sessionId);
    },
    clear(): void {
      origins.clear();
    },

    /** Tells the running sessions of a repo of its rebuild: moved on (new sessions start elsewhere), or failed (they stay where they are). */
    onEvent(event: SnapshotEvent): void {
      onEvent(event).catch((error: unknown) => deps.logger.error(`could not tell ${event.repo}'s sessions of its snapshot`, error));
    },
  };
}
