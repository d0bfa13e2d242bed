import { useEffect, useState } from 'react';
import { sessionPath } from '../../../../shared/src/protocol/http.js';
import { api } from '../../lib/api.js';
import { errorMessage } from '../../lib/use-action.js';
import { navigate } from '../../lib/router.js';
import { TopBar } from '../../ui/top-bar.js';

/** Opening a share link: redeem it for a role, then go to the session. */
export function JoinPage({ token }: { token: string }) {
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    api.join(token).then(
      ({ session }) => {
        if (!cancelled) window.history.replaceState(null, '', '/');
        if (!cancelled) navigate(sessionPath(session.id));
      },
      (caught: unknown) => {
        if (!cancelled) setError(errorMessage(caught, 'Could not open this link.'));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [token]);

  return (
    <div className="page">
      <TopBar />
      <main className="centered">
        <div className="card notice-card">
          {error ? (
            <>
              <h2>This link does not open a session</h2>
              <p className="error-text">{error}</p>
              <p className="muted">Ask the session’s owner for a new link.</p>
            </>
          ) : (
            <p className="muted">Joining the session…</p>
          )}
        </div>
      </main>
    </div>
  );
}
