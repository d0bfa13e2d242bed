import { useState, type FormEvent } from 'react';
import { MAX_DISPLAY_NAME_CHARS } from '@tandem/shared/limits.js';
import { api } from '../../lib/api.js';
import { useAction } from '../../lib/use-action.js';
import { saveIdentity } from '../../lib/identity.js';
import { Logo } from '../../ui/logo.js';

/** Asks for a display name once; the server signs it and this browser keeps the token. */
export function NameGate({ reason }: { reason?: string }) {
  const [name, setName] = useState('');
  const { busy, error, run } = useAction('Could not save your name; try again.');

  function submit(event: FormEvent) {
    event.preventDefault();
    void run(async () => saveIdentity(await api.createIdentity(name)));
  }

  return (
    <div className="gate">
      <form className="card gate-card" onSubmit={submit}>
        <div className="brand brand-large">
          <Logo /> Tandem
        </div>
        <p className="muted">{reason ?? 'Coding agents you run together. Pick the name others will see next to your cursor and messages.'}</p>
        <label className="field">
          <span>Your name</span>
          <input
            autoFocus
            value={name}
            maxLength={MAX_DISPLAY_NAME_CHARS}
            onChange={(event) => setName(event.target.value)}
            placeholder="e.g. Ada Lovelace"
            aria-label="Your name"
          />
        </label>
        {error && <p className="error-text">{error}</p>}
        <button className="button primary" disabled={busy || name.trim().length === 0}>
          {busy ? 'Saving…' : 'Continue'}
        </button>
      </form>
    </div>
  );
}
