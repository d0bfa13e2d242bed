import { useEffect, useState } from 'react';
import type { AuthOptionsResponse } from '@tandem/shared/protocol/http.js';
import { api } from '../../lib/api.js';
import { saveIdentity } from '../../lib/identity.js';
import { errorMessage } from '../../lib/use-action.js';
import type { Route } from '../../lib/router.js';
import { Logo } from '../../ui/logo.js';
import { NameGate } from './name-gate.js';
import { SignInPage } from './sign-in-page.js';
import { clearSignInHandoff, readSignInHandoff, SIGN_IN_ERROR_TEXT } from './sign-in-handoff.js';

/**
 * Shown until this browser holds an identity: a display name on an open (loopback) server, a
 * sign-in page on a server that requires one. Also completes a GitHub sign-in handed back in the URL.
 */
export function IdentityGate({ route }: { route: Route }) {
  const [handoff] = useState(() => readSignInHandoff(window.location.hash));
  const [options, setOptions] = useState<AuthOptionsResponse | null>(null);
  const [problem, setProblem] = useState<string | null>(handoff.kind === 'error' ? SIGN_IN_ERROR_TEXT[handoff.error] : null);
  const [signingIn, setSigningIn] = useState(handoff.kind === 'token');

  useEffect(() => {
    if (handoff.kind === 'none') return;
    clearSignInHandoff();
    if (handoff.kind !== 'token') return;
    api.identityOf(handoff.token).then(
      ({ user }) => saveIdentity({ token: handoff.token, user }),
      (caught: unknown) => {
        setProblem(errorMessage(caught, 'The sign-in did not go through; sign in again.'));
        setSigningIn(false);
      },
    );
  }, [handoff]);

  useEffect(() => {
    api.authOptions().then(setOptions, (caught: unknown) => setProblem(errorMessage(caught, 'The server did not answer. Check that it is running, then reload.')));
  }, []);

  const invited = route.page === 'join';
  if (signingIn || !options) {
    return (
      <div className="gate">
        <div className="card gate-card" aria-busy>
          <div className="brand brand-large">
            <Logo /> Tandem
          </div>
          {problem ? <p className="error-text">{problem}</p> : <p className="muted">{signingIn ? 'Signing you in…' : 'Loading…'}</p>}
        </div>
      </div>
    );
  }
  if (!options.signInRequired) {
    return <NameGate reason={invited ? 'You were invited to a Tandem session. Pick the name others will see, then you are in.' : undefined} />;
  }
  return <SignInPage options={options} inviteCode={route.page === 'invite' ? route.code : undefined} invitedToSession={invited} problem={problem} />;
}
