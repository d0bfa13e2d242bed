import { NameGate } from './features/identity/name-gate.js';
import { HomePage } from './features/sessions/home-page.js';
import { JoinPage } from './features/sessions/join-page.js';
import { SessionPage } from './features/session/session-page.js';
import { useIdentity } from './lib/identity.js';
import { matchRoute, navigate, usePathname } from './lib/router.js';
import { TopBar } from './ui/top-bar.js';

export function App() {
  const identity = useIdentity();
  const route = matchRoute(usePathname());
  if (!identity) {
    return <NameGate reason={route.page === 'join' ? 'You were invited to a Tandem session. Pick the name others will see, then you are in.' : undefined} />;
  }
  switch (route.page) {
    case 'home':
      return <HomePage />;
    case 'session':
      return <SessionPage key={route.sessionId} sessionId={route.sessionId} identity={identity} />;
    case 'join':
      return <JoinPage token={route.token} />;
    case 'not-found':
      return (
        <div className="page">
          <TopBar />
          <main className="centered">
            <div className="card notice-card">
              <h2>Page not found</h2>
              <button className="button" onClick={() => navigate('/')}>
                Back to your sessions
              </button>
            </div>
          </main>
        </div>
      );
    default:
      return route satisfies never;
  }
}
