import { useEffect, useState, type FormEvent } from 'react';
import type { SessionMeta } from '@tandem/shared/doc/schema.js';
import { MAX_REPO_PATH_CHARS } from '@tandem/shared/limits.js';
import { api } from '../../lib/api.js';
import { useAction } from '../../lib/use-action.js';

/**
 * The sandbox could not start: why (as the server wrote it into the doc), and the ways on. Editors
 * start it again once the repo is fixed; the owner can also point the session at another repo. The
 * server writes the outcome into the doc, so every viewer sees the new start.
 */
export function SandboxFailed({ sessionId, meta, canEdit, isOwner }: { sessionId: string; meta: SessionMeta; canEdit: boolean; isOwner: boolean }) {
  const retry = useAction('Could not start the sandbox again');
  const change = useAction('Could not change the repo');
  const [repo, setRepo] = useState(meta.repo);
  // A repo changed elsewhere (another tab of the owner's) is the new starting point.
  useEffect(() => setRepo(meta.repo), [meta.repo]);
  const busy = retry.busy || change.busy;
  const error = retry.error ?? change.error;

  function submitRepo(event: FormEvent) {
    event.preventDefault();
    void change.run(() => api.changeRepo(sessionId, repo.trim()));
  }

  return (
    <div className="sandbox-state failed" role="alert" data-testid="sandbox-failed">
      <strong>The sandbox could not start</strong>
      <pre className="sandbox-reason" data-testid="sandbox-reason">
        {meta.sandboxMessage || 'The server gave no reason.'}
      </pre>
      {canEdit ? (
        <>
          <p className="muted">
            Fix the repo or its .tandem/setup.sh, then try again{isOwner ? ', or use another repo' : ''}.
          </p>
          <button className="button primary" disabled={busy} onClick={() => void retry.run(() => api.retrySandbox(sessionId))}>
            {retry.busy ? 'Starting…' : 'Try again'}
          </button>
        </>
      ) : (
        <p className="muted">An editor or the owner can start it again once the repo is fixed.</p>
      )}
      {isOwner && (
        <form className="sandbox-repo-form" onSubmit={submitRepo} aria-label="Use another repo">
          <label className="field">
            <span>Use another repo</span>
            <input value={repo} maxLength={MAX_REPO_PATH_CHARS} onChange={(event) => setRepo(event.target.value)} aria-label="Repo path" spellCheck={false} />
          </label>
          <button className="button" disabled={busy || repo.trim().length === 0 || repo.trim() === meta.repo}>
            {change.busy ? 'Starting…' : 'Use this repo'}
          </button>
        </form>
      )}
      {error && (
        <p className="error-text" data-testid="sandbox-action-error">
          {error}
        </p>
      )}
    </div>
  );
}
