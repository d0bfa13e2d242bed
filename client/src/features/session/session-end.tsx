import { useState } from 'react';
import type { SessionMeta } from '../../../../shared/src/doc/schema.js';
import { sessionPath } from '../../../../shared/src/protocol/http.js';
import { api } from '../../lib/api.js';
import { errorMessage, useAction } from '../../lib/use-action.js';
import { navigate } from '../../lib/router.js';

/** The owner ends the session: the workspace is kept so a new session can pick up where this one stopped. */
export function EndSessionButton({ sessionId }: { sessionId: string }) {
  const [ending, setEnding] = useState(false);
  async function end() {
    if (!window.confirm('End this session for everyone? The sandbox stops; its workspace is kept so you can resume it in a new session.')) return;
    setEnding(true);
    try {
      await api.endSession(sessionId);
    } catch (caught) {
      window.alert(errorMessage(caught, 'Could not end the session; try again.'));
    } finally {
      setEnding(false);
    }
  }
  return (
    <button className="button small" onClick={() => void end()} disabled={ending}>
      {ending ? 'Saving the workspace…' : 'End session'}
    </button>
  );
}

/** Shown to everyone once the session ended; editors can resume it in a new session. */
export function EndedBanner({ meta, sessionId, canEdit }: { meta: SessionMeta; sessionId: string; canEdit: boolean }) {
  const { error, run } = useAction('Could not resume; try again.');
  if (!meta.endedAt) return null;
  const resume = () =>
    run(async () => {
      const { session } = await api.createSession({ title: `${meta.title} (resumed)`, repo: meta.repo, resumeFrom: sessionId });
      navigate(sessionPath(session.id));
    });
  return (
    <div className="banner banner-ended" data-testid="ended-banner">
      <span>
        This session ended at {new Date(meta.endedAt).toLocaleTimeString()}.{' '}
        {meta.endSnapshot ? 'Its workspace was saved.' : 'Its workspace was not saved.'}
      </span>
      {canEdit && meta.endSnapshot && (
        <button className="button small primary" onClick={() => void resume()}>
          Resume in a new session
        </button>
      )}
      {error && <span className="error-text">{error}</span>}
    </div>
  );
}
