import type { SessionMeta } from '@tandem/shared/doc/schema.js';
import { MAX_SESSION_TITLE_CHARS } from '@tandem/shared/limits.js';
import { sessionPath } from '@tandem/shared/protocol/http.js';
import { api } from '../../lib/api.js';
import { navigate } from '../../lib/router.js';
import { useAction } from '../../lib/use-action.js';
import './snapshot-origin.css';

/** A commit as people read it: its first 7 characters. */
const shortCommit = (commit: string) => commit.slice(0, 7);

/** A snapshot's time in the viewer's clock: the time today, the date and time before. */
export function formatSnapshotTime(atMs: number, nowMs = Date.now()): string {
  const at = new Date(atMs);
  const time = at.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return at.toDateString() === new Date(nowMs).toDateString() ? time : `${at.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${time}`;
}

function Commit({ commit }: { commit: string }) {
  return (
    <code className="commit-sha" title={commit}>
      {shortCommit(commit)}
    </code>
  );
}

/**
 * Where the session's workspace came from: the commit and its snapshot's time, and, when the start
 * waited for the repo's snapshot to catch up with a moved HEAD, that it did.
 */
export function SnapshotOrigin({ meta }: { meta: SessionMeta }) {
  const { startedFrom, snapshotUpdate } = meta;
  const starting = meta.sandboxState === 'booting';
  if (!startedFrom && !snapshotUpdate && !meta.updatedTo) return null;
  return (
    <div className="snapshot-origin" data-testid="snapshot-origin">
      {snapshotUpdate && (!startedFrom || startedFrom.commit === snapshotUpdate.commit) && (
        <span className="snapshot-update" data-testid="snapshot-update">
          <i className="dot seg-snapshot" /> {starting && !startedFrom ? 'Updating' : 'Updated'} the snapshot to <Commit commit={snapshotUpdate.commit} />: the repo moved since{' '}
          {formatSnapshotTime(snapshotUpdate.sinceBuiltAtMs)}
        </span>
      )}
      {startedFrom && (
        <span className="snapshot-start" data-testid="snapshot-start">
          Started from {startedFrom.commit === 'none' ? 'the repo (no commit recorded)' : <Commit commit={startedFrom.commit} />}
          <span className="muted"> · snapshot of {formatSnapshotTime(startedFrom.snapshotBuiltAtMs)}</span>
        </span>
      )}
      {meta.updatedTo && (
        <span className="snapshot-start" data-testid="workspace-updated">
          Updated to <Commit commit={meta.updatedTo.commit} />
          <span className="muted">
            {' '}
            · by {meta.updatedTo.byName} at {formatSnapshotTime(meta.updatedTo.atMs)}
          </span>
        </span>
      )}
    </div>
  );
}

/**
 * What happened to the repo's snapshot since this session started: the repo moved on (new sessions
 * start from the new commit; this one keeps its workspace), or a rebuild failed (with its log's tail).
 */
export function SnapshotNotices({ sessionId, meta, canEdit }: { sessionId: string; meta: SessionMeta; canEdit: boolean }) {
  const { repoMoved, snapshotFailure } = meta;
  if (!repoMoved && !snapshotFailure) return null;
  return (
    <div className="snapshot-notices">
      {snapshotFailure && (
        <div className="snapshot-notice failed" role="status" data-testid="snapshot-failure">
          <div className="snapshot-notice-head">
            <strong>
              The snapshot rebuild{snapshotFailure.commit === 'none' ? '' : <> for <Commit commit={snapshotFailure.commit} /></>} failed
            </strong>
            <span>{snapshotFailure.summary}</span>
            <span className="muted">running on the snapshot of {formatSnapshotTime(snapshotFailure.runningOnBuiltAtMs)}</span>
          </div>
          <details>
            <summary>Build log and what to do</summary>
            <p>Fix the repo&apos;s setup and commit: the next rebuild picks it up, and new sessions start from it.</p>
            {snapshotFailure.logTail && (
              <pre className="snapshot-log-tail" data-testid="snapshot-log-tail">
                {snapshotFailure.logTail}
              </pre>
            )}
          </details>
        </div>
      )}
      {repoMoved && !snapshotFailure && (
        <div className="snapshot-notice moved" role="status" data-testid="repo-moved">
          <div className="snapshot-notice-row">
            <span>
              The repo has moved to <Commit commit={repoMoved.commit} /> since this session started; new sessions start from it.
            </span>
            {canEdit && <UpdateButton sessionId={sessionId} commit={repoMoved.commit} />}
            <NewSessionButton meta={meta} />
          </div>
        </div>
      )}
    </div>
  );
}

/** Brings this workspace up to the repo's newer commit, keeping what the session changed (the server refuses, saying why, when it cannot). */
function UpdateButton({ sessionId, commit }: { sessionId: string; commit: string }) {
  const { busy, error, run } = useAction('Could not update the workspace; try again.');
  return (
    <span className="snapshot-notice-action">
      <button className="button small primary" disabled={busy} onClick={() => void run(() => api.updateWorkspace(sessionId, commit))} data-testid="update-workspace">
        {busy ? 'Updating…' : <>Update to {shortCommit(commit)}</>}
      </button>
      {error && (
        <span className="error-text" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}

/** Starts a session of the same repo, from its current snapshot (this one keeps its workspace). */
function NewSessionButton({ meta }: { meta: SessionMeta }) {
  const { busy, error, run } = useAction('Could not start a new session; try again.');
  const start = () =>
    run(async () => {
      const { session } = await api.createSession({ title: `${meta.title} (updated)`.slice(0, MAX_SESSION_TITLE_CHARS), repo: meta.repo });
      navigate(sessionPath(session.id));
    });
  return (
    <span className="snapshot-notice-action">
      <button className="button small" disabled={busy} onClick={() => void start()}>
        {busy ? 'Starting…' : 'Start a new session'}
      </button>
      {error && <span className="error-text">{error}</span>}
    </span>
  );
}
