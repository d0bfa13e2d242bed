import { useEffect, useState } from 'react';
import { sessionPath, type JoinPreview } from '@tandem/shared/protocol/http.js';
import type { ShareRole } from '@tandem/shared/roles.js';
import { api } from '../../lib/api.js';
import { errorMessage, useAction } from '../../lib/use-action.js';
import { navigate } from '../../lib/router.js';
import { TopBar } from '../../ui/top-bar.js';

const ROLE_WORDS: Record<ShareRole, { name: string; can: string }> = {
  viewer: { name: 'a viewer', can: 'You will watch the session live: the conversation, plan, files and terminal.' },
  editor: { name: 'an editor', can: 'You will chat, edit the plan and files, type in the terminal and steer the agent.' },
};

/** Opening a share link: say which session, who invited and with what role; join on the person's word. */
export function JoinPage({ token }: { token: string }) {
  const [preview, setPreview] = useState<JoinPreview | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const joining = useAction('Could not join; try again.');

  useEffect(() => {
    let cancelled = false;
    api.previewJoin(token).then(
      (response) => !cancelled && setPreview(response.preview),
      (caught: unknown) => !cancelled && setPreviewError(errorMessage(caught, 'Could not open this link.')),
    );
    return () => {
      cancelled = true;
    };
  }, [token]);

  const join = () =>
    joining.run(async () => {
      const { session } = await api.join(token);
      // The link's token leaves the address bar and the history.
      window.history.replaceState(null, '', '/');
      navigate(sessionPath(session.id));
    });

  return (
    <div className="page">
      <TopBar />
      <main className="centered">
        <div className="card notice-card invite-card" data-testid="invite">
          {previewError ? (
            <>
              <h2>This link does not open a session</h2>
              <p className="error-text">{previewError}</p>
              <p className="muted">Ask the session’s owner for a new link.</p>
            </>
          ) : preview ? (
            <>
              <p className="invite-kicker muted">
                <strong className="invite-inviter">{preview.inviterName}</strong> invited you to a Tandem session
              </p>
              <h2 className="invite-title" data-testid="invite-title">
                {preview.sessionTitle}
              </h2>
              <p>
                You join as <span className={`chip role-${preview.role}`}>{ROLE_WORDS[preview.role].name}</span>
              </p>
              <p className="muted">{ROLE_WORDS[preview.role].can}</p>
              {joining.error && <p className="error-text">{joining.error}</p>}
              <div className="invite-actions">
                <button className="button" onClick={() => navigate('/')} disabled={joining.busy}>
                  Not now
                </button>
                <button className="button primary" onClick={() => void join()} disabled={joining.busy}>
                  {joining.busy ? 'Joining…' : 'Join session'}
                </button>
              </div>
            </>
          ) : (
            <p className="muted">Reading the invitation…</p>
          )}
        </div>
      </main>
    </div>
  );
}
