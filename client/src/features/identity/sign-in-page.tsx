import { useState, type FormEvent } from 'react';
import { MAX_DISPLAY_NAME_CHARS } from '@tandem/shared/limits.js';
import type { AuthOptionsResponse } from '@tandem/shared/protocol/http.js';
import { api } from '../../lib/api.js';
import { saveIdentity } from '../../lib/identity.js';
import { useAction } from '../../lib/use-action.js';
import { Logo } from '../../ui/logo.js';

/** Where GitHub sign-in starts; it comes back to the page the person was on (an invite page goes home). */
function gitHubSignInUrl(): string {
  const here = window.location.pathname.startsWith('/invite/') ? '/' : window.location.pathname;
  return `/api/auth/github?returnTo=${encodeURIComponent(here)}`;
}

/** A private server's front door: GitHub (for allowed accounts) and/or an invite code from its admin. */
export function SignInPage({
  options,
  inviteCode,
  invitedToSession,
  problem,
}: {
  options: AuthOptionsResponse;
  inviteCode?: string;
  invitedToSession: boolean;
  problem: string | null;
}) {
  const [code, setCode] = useState(inviteCode ?? '');
  const [name, setName] = useState('');
  const { busy, error, run } = useAction('Could not redeem the invite; try again.');

  function redeem(event: FormEvent) {
    event.preventDefault();
    void run(async () => {
      saveIdentity(await api.redeemInvite(code.trim(), name));
      if (window.location.pathname.startsWith('/invite/')) window.history.replaceState(null, '', '/');
    });
  }

  const intro = invitedToSession
    ? 'You were invited to a Tandem session. This server is private: sign in to join it.'
    : inviteCode
      ? 'You have an invite to this Tandem server. Pick the name others will see next to your cursor and messages.'
      : 'This Tandem server is private. Sign in to run coding agents together with your team.';

  return (
    <div className="gate">
      <div className="card gate-card sign-in-card" data-testid="sign-in">
        <div className="brand brand-large">
          <Logo /> Tandem
        </div>
        <p className="muted">{intro}</p>
        {problem && (
          <p className="error-text" role="alert">
            {problem}
          </p>
        )}
        {options.github && !inviteCode && (
          <a className="button github-button" href={gitHubSignInUrl()}>
            <GitHubMark /> Sign in with GitHub
          </a>
        )}
        {options.github && options.invites && !inviteCode && <div className="divider">or use an invite code</div>}
        {options.invites && (
          <form className="sign-in-form" onSubmit={redeem}>
            <label className="field">
              <span>Invite code</span>
              <input value={code} onChange={(event) => setCode(event.target.value)} placeholder="Paste the code from your admin" aria-label="Invite code" autoComplete="off" spellCheck={false} />
            </label>
            <label className="field">
              <span>Your name</span>
              <input
                value={name}
                maxLength={MAX_DISPLAY_NAME_CHARS}
                onChange={(event) => setName(event.target.value)}
                placeholder="e.g. Ada Lovelace"
                aria-label="Your name"
                autoFocus={Boolean(inviteCode)}
              />
            </label>
            {error && <p className="error-text">{error}</p>}
            <button className="button primary" disabled={busy || code.trim().length === 0 || name.trim().length === 0}>
              {busy ? 'Joining…' : 'Join with invite'}
            </button>
            <p className="muted small-print">An invite code works once and expires after a week.</p>
          </form>
        )}
      </div>
    </div>
  );
}

function GitHubMark() {
  return (
    <svg className="github-mark" viewBox="0 0 16 16" aria-hidden>
      <path
        fill="currentColor"
        d="M8 0C3.58 0 0 3.58 0 8c0 3.54 2.29 6.53 5.47 7.59.4.07.55-.17.55-.38 0-.19-.01-.82-.01-1.49-2.01.37-2.53-.49-2.69-.94-.09-.23-.48-.94-.82-1.13-.28-.15-.68-.52-.01-.53.63-.01 1.08.58 1.23.82.72 1.21 1.87.87 2.33.66.07-.52.28-.87.51-1.07-1.78-.2-3.64-.89-3.64-3.95 0-.87.31-1.59.82-2.15-.08-.2-.36-1.02.08-2.12 0 0 .67-.21 2.2.82.64-.18 1.32-.27 2-.27.68 0 1.36.09 2 .27 1.53-1.04 2.2-.82 2.2-.82.44 1.1.16 1.92.08 2.12.51.56.82 1.27.82 2.15 0 3.07-1.87 3.75-3.65 3.95.29.25.54.73.54 1.48 0 1.07-.01 1.93-.01 2.2 0 .21.15.46.55.38A8.013 8.013 0 0016 8c0-4.42-3.58-8-8-8z"
      />
    </svg>
  );
}
