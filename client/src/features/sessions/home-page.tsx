import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { MAX_REPO_PATH_CHARS, MAX_SESSION_TITLE_CHARS } from '@tandem/shared/limits.js';
import { sessionPath, type SessionSummary } from '@tandem/shared/protocol/http.js';
import { api } from '../../lib/api.js';
import { errorMessage, useAction } from '../../lib/use-action.js';
import { navigate } from '../../lib/router.js';
import { relativeTime } from '../../ui/panel.js';
import { shownSessionState } from '../../lib/state-words.js';
import { StateChip } from '../../ui/state-chip.js';
import { TopBar } from '../../ui/top-bar.js';

const DEFAULT_REPO = 'examples/hello-tandem';

export function HomePage() {
  const [sessions, setSessions] = useState<SessionSummary[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  const load = useCallback(() => {
    api.listSessions().then(
      (response) => setSessions(response.sessions),
      (error: unknown) => setLoadError(errorMessage(error, 'Could not load sessions')),
    );
  }, []);
  useEffect(load, [load]);

  return (
    <div className="page">
      <TopBar />
      <main className="home">
        <section className="home-hero">
          <h1>Sessions</h1>
          <p className="muted">Each session is one sandbox, one agent run and one shared document. Open it with others to watch, chat and steer together.</p>
        </section>
        <div className="home-grid">
          <CreateSessionForm />
          <section className="card session-list-card" aria-label="Your sessions">
            <h2>Your sessions</h2>
            {loadError && <p className="error-text">{loadError}</p>}
            {!sessions && !loadError && <p className="muted">Loading…</p>}
            {sessions?.length === 0 && (
              <div className="empty-state">
                <p>No sessions yet.</p>
                <p className="muted">Create one on the left, or open a share link someone sent you.</p>
              </div>
            )}
            <ul className="session-list">
              {sessions?.map((session) => (
                <li key={session.id}>
                  <a
                    href={sessionPath(session.id)}
                    onClick={(event) => {
                      event.preventDefault();
                      navigate(sessionPath(session.id));
                    }}
                  >
                    <span className="session-title">{session.title}</span>
                    <span className="session-meta">
                      <code>{session.repo}</code> · {session.role === 'owner' ? 'yours' : `shared by ${session.ownerName}`} · {relativeTime(session.createdAt)}
                    </span>
                    <span className="session-badges">
                      <StateChip state={shownSessionState(session)} />
                      <span className="chip role">{session.role}</span>
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          </section>
        </div>
      </main>
    </div>
  );
}

function CreateSessionForm() {
  const [title, setTitle] = useState('');
  const [repo, setRepo] = useState(DEFAULT_REPO);
  const { busy, error, run } = useAction('Could not create the session; try again.');

  function submit(event: FormEvent) {
    event.preventDefault();
    void run(async () => {
      const { session } = await api.createSession({ title, repo });
      navigate(sessionPath(session.id));
    });
  }

  return (
    <form className="card create-card" onSubmit={submit} aria-label="New session">
      <h2>New session</h2>
      <label className="field">
        <span>Title</span>
        <input value={title} maxLength={MAX_SESSION_TITLE_CHARS} onChange={(event) => setTitle(event.target.value)} placeholder="Fix the failing date test" aria-label="Title" />
      </label>
      <label className="field">
        <span>Repository path</span>
        <input value={repo} maxLength={MAX_REPO_PATH_CHARS} onChange={(event) => setRepo(event.target.value)} aria-label="Repository path" />
        <small className="muted">A local path or git URL. The bundled example works with no repo of your own.</small>
      </label>
      {error && <p className="error-text">{error}</p>}
      <button className="button primary" disabled={busy || title.trim().length === 0 || repo.trim().length === 0}>
        {busy ? 'Creating…' : 'Create session'}
      </button>
    </form>
  );
}
