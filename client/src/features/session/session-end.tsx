import type { MouseEvent } from 'react';
import type { SessionMeta } from '@tandem/shared/doc/schema.js';
import { sessionPath } from '@tandem/shared/protocol/http.js';
import { api } from '../../lib/api.js';
import { useAction } from '../../lib/use-action.js';
import { navigate } from '../../lib/router.js';
import { ConfirmDialog } from '../../ui/confirm-dialog.js';

/** The owner's End button; it only opens the dialog (held by the page, so a folded menu closing keeps it). */
export function EndSessionButton({ onRequest }: { onRequest: () => void }) {
  return (
    <button className="button small" onClick={onRequest}>
      End session
    </button>
  );
}

/** Asks the owner before ending: what stops, what is kept, and that everyone can carry on. */
export function EndSessionDialog({ sessionId, onClose }: { sessionId: string; onClose: () => void }) {
  const { busy, error, run } = useAction('Could not end the session; try again.');
  const end = async () => {
    if (await run(() => api.endSession(sessionId))) onClose();
  };
  return (
    <ConfirmDialog
      title="End this session for everyone?"
      confirmLabel="End session"
      pendingLabel="Saving the workspace…"
      pending={busy}
      error={error}
      danger
      onConfirm={() => void end()}
      onCancel={onClose}
    >
      <ul className="confirm-points">
        <li>The agent stops and the sandbox shuts down; the session becomes read-only.</li>
        <li>The workspace is saved. Resuming starts a new session with it, the plan, the conversation and everyone here.</li>
      </ul>
    </ConfirmDialog>
  );
}

/** Opens another session of this app without reloading the page. */
function followLink(sessionId: string) {
  return (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(sessionPath(sessionId));
  };
}

/** Shown to everyone once the session ended: where it continues, or (for editors) a way to resume it. */
export function EndedBanner({ meta, sessionId, canEdit }: { meta: SessionMeta; sessionId: string; canEdit: boolean }) {
  const { busy, error, run } = useAction('Could not resume; try again.');
  if (!meta.endedAt) return null;
  const resume = () =>
    run(async () => {
      const { session } = await api.createSession({ title: `${meta.title} (resumed)`, repo: meta.repo, resumeFrom: sessionId });
      navigate(sessionPath(session.id));
    });
  const continuation = meta.continuedIn;
  return (
    <div className="banner banner-ended" data-testid="ended-banner">
      <span>
        This session ended at {new Date(meta.endedAt).toLocaleTimeString()}.{' '}
        {continuation ? 'Everyone here carried on in a new session.' : meta.endSnapshot ? 'Its workspace was saved.' : 'Its workspace was not saved.'}
      </span>
      {continuation ? (
        <a className="button small primary" href={sessionPath(continuation.sessionId)} onClick={followLink(continuation.sessionId)} data-testid="continuation-link">
          Continued in {continuation.title} →
        </a>
      ) : (
        canEdit &&
        meta.endSnapshot && (
          <button className="button small primary" onClick={() => void resume()} disabled={busy}>
            {busy ? 'Resuming…' : 'Resume in a new session'}
          </button>
        )
      )}
      {error && <span className="error-text">{error}</span>}
    </div>
  );
}
