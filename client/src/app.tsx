import { useEffect } from 'react';
import { IdentityGate } from './features/identity/identity-gate.js';
import { HomePage } from './features/sessions/home-page.js';
import { JoinPage } from './features/sessions/join-page.js';
import { SessionPage } from './features/session/session-page.js';
import { useIdentity } from './lib/identity.js';
import { matchRoute, navigate, usePathname } from './lib/router.js';
import { TopBar } from './ui/top-bar.js';

/** An invite link opened by someone who already has an identity here: nothing to redeem, go home. */
function AlreadySignedIn() {
  useEffect(() => navigate('/'), []);
  return null;
}

export function App() {
  const identity = useIdentity();
  const route = matchRoute(usePathname());
  if (!identity) return <IdentityGate route={route} />;
  switch (route.page) {
    case 'home':
      return <HomePage />;
    case 'session':
      return <SessionPage key={route.sessionId} sessionId={route.sessionId} identity={identity} />;
    case 'join':
      return <JoinPage token={route.token} />;
    case 'invite':
      return <AlreadySignedIn />;
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
