import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { MIN_SECRET_VALUE_CHARS, SECRET_NAME_PATTERN, type DeclaredSecretPhases, type SecretSummary } from '@tandem/shared/protocol/secrets.js';
import { errorMessage } from '../../lib/use-action.js';
import { ReadableByEditorsNote, SecretExposureWarning, SecretPhaseChips, secretExposure } from './secret-exposure.js';
import { secretsApi } from './secrets-api.js';

function updatedAgo(updatedAtMs: number, nowMs: number): string {
  const minutes = Math.floor((nowMs - updatedAtMs) / 60_000);
  if (minutes < 1) return 'set just now';
  if (minutes < 60) return `set ${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `set ${hours} h ago`;
  return `set ${new Date(updatedAtMs).toLocaleDateString()}`;
}

/**
 * The repo's secrets, as environment variables of the session's sandbox. Everyone who can edit sees
 * the names; the owner adds, replaces and deletes repo secrets. A value is typed once and never shown
 * again (the server never sends one back); server-wide ones are an admin's and only listed here.
 * Each name shows where the repo's environment file sends it; one that reaches services or sessions
 * says that every editor can read it, and setting one says so before the owner presses Add.
 */
export function SecretsDialog({ sessionId, onClose }: { sessionId: string; onClose: () => void }) {
  const [secrets, setSecrets] = useState<SecretSummary[]>([]);
  const [repo, setRepo] = useState('');
  const [canManage, setCanManage] = useState(false);
  const [asked, setAsked] = useState<string[]>([]);
  const [phases, setPhases] = useState<DeclaredSecretPhases | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const valueRef = useRef<HTMLInputElement>(null);

  const reportError = (caught: unknown) => setError(errorMessage(caught, 'Something went wrong; try again.'));
  const load = useCallback(() => {
    secretsApi.list(sessionId).then((response) => {
      setSecrets(response.secrets);
      setRepo(response.repo);
      setCanManage(response.canManage);
      setAsked(response.asked);
      setPhases(response.phases);
      setLoaded(true);
    }, reportError);
  }, [sessionId]);
  useEffect(load, [load]);
  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent) => event.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const nameProblem = name !== '' && !SECRET_NAME_PATTERN.test(name) ? 'Capital letters, digits and _, not starting with a digit' : null;
  const replacing = secrets.some((secret) => secret.scope === 'repo' && secret.name === name);
  async function save(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setSaved(null);
    setSaving(true);
    try {
      await secretsApi.put(sessionId, name, { value, scope: 'repo' });
      setSaved(name);
      setName('');
      setValue('');
      load();
    } catch (caught) {
      reportError(caught);
    } finally {
      setSaving(false);
    }
  }
  const remove = (secret: SecretSummary) =>
    secretsApi.remove(sessionId, secret.name, secret.scope).then(() => {
      setSaved(null);
      load();
    }, reportError);
  /** Puts a name in the form, ready for its value: to replace a secret, or to set one the repo asks for. */
  const startReplace = (secretName: string) => {
    setName(secretName);
    setValue('');
    valueRef.current?.focus();
  };

  const nowMs = Date.now();
  return (
    <div className="dialog-backdrop" onClick={onClose}>
      <div className="dialog card secrets-dialog" role="dialog" aria-label="Secrets" onClick={(event) => event.stopPropagation()}>
        <header className="dialog-header">
          <h2>Secrets</h2>
          <button className="icon-button" onClick={onClose} aria-label="Close">
            ×
          </button>
        </header>
        <div className="secrets-scope">
          <span className="muted">Every session on</span> <code className="repo">{repo || '…'}</code>
        </div>
        <p className="muted secrets-help">
          Given to the sandbox as environment variables; new commands and terminals get a change at once. A value is never shown again: terminals, tool output and the
          transcript read <code>[secret NAME]</code> instead. That hides a value from people watching; it does not keep it from editors, who control the code the
          session and its services run.
        </p>
        {error && <p className="error-text">{error}</p>}
        <section className="share-list">
          <h3 className="section-label">Set for this repo</h3>
          <ul className="secret-list" data-testid="secret-list">
            {loaded && secrets.length === 0 && asked.length === 0 && <li className="muted empty-line">No secrets yet.</li>}
            {asked.map((askedName) => {
              const exposure = secretExposure(askedName, phases);
              return (
                <li key={`asked:${askedName}`} className={`secret-asked${exposure?.readable.length ? ' has-note' : ''}`} data-testid="secret-asked" data-name={askedName}>
                  <code className="secret-name">{askedName}</code>
                  {exposure && <SecretPhaseChips phases={exposure.phases} />}
                  <span className="secret-meta muted">
                    not set · the repo's <code>.tandem/environment.json</code> asks for it
                  </span>
                  {canManage && (
                    <span className="secret-actions">
                      <button className="button small primary" onClick={() => startReplace(askedName)} aria-label={`Set ${askedName}`}>
                        Set
                      </button>
                    </span>
                  )}
                  {exposure && exposure.readable.length > 0 && <ReadableByEditorsNote readable={exposure.readable} />}
                </li>
              );
            })}
            {secrets.map((secret) => {
              const exposure = secretExposure(secret.name, phases);
              const classes = [saved === secret.name && secret.scope === 'repo' ? 'is-fresh' : '', exposure?.readable.length ? 'has-note' : ''].filter(Boolean).join(' ');
              return (
                <li key={`${secret.scope}:${secret.name}`} data-scope={secret.scope} data-name={secret.name} className={classes || undefined}>
                  <code className="secret-name">{secret.name}</code>
                  <span className={`chip scope-${secret.scope}`}>{secret.scope === 'server' ? 'server-wide' : 'repo'}</span>
                  {exposure && <SecretPhaseChips phases={exposure.phases} />}
                  <span className="secret-meta muted">
                    {updatedAgo(secret.updatedAt, nowMs)}
                    {saved === secret.name && secret.scope === 'repo' ? ' · saved' : ''}
                  </span>
                  <span className="secret-value muted" title="The value is never shown" aria-hidden>
                    ••••••••
                  </span>
                  {canManage && secret.scope === 'repo' && (
                    <span className="secret-actions">
                      <button className="button small" onClick={() => startReplace(secret.name)}>
                        Replace
                      </button>
                      <button className="button small danger" onClick={() => void remove(secret)} aria-label={`Delete ${secret.name}`}>
                        Delete
                      </button>
                    </span>
                  )}
                  {exposure && exposure.readable.length > 0 && <ReadableByEditorsNote readable={exposure.readable} />}
                </li>
              );
            })}
          </ul>
        </section>
        {canManage ? (
          <form className="secret-form" onSubmit={(event) => void save(event)}>
            <h3 className="section-label">{replacing ? `Replace ${name}` : 'Add a secret'}</h3>
            <div className="secret-form-row">
              <label className="field">
                <span>Name</span>
                <input
                  value={name}
                  onChange={(event) => setName(event.target.value.toUpperCase())}
                  placeholder="NPM_TOKEN"
                  spellCheck={false}
                  autoComplete="off"
                  aria-invalid={nameProblem !== null}
                />
              </label>
              <label className="field secret-value-field">
                <span>Value</span>
                <input ref={valueRef} type="password" value={value} onChange={(event) => setValue(event.target.value)} placeholder="pasted once, never shown" autoComplete="new-password" />
              </label>
              <button className="button primary" type="submit" disabled={saving || name === '' || nameProblem !== null || value.length < MIN_SECRET_VALUE_CHARS}>
                {replacing ? 'Replace' : 'Add'}
              </button>
            </div>
            {nameProblem && <p className="error-text small">{nameProblem}</p>}
            {name !== '' && nameProblem === null && <SecretExposureWarning name={name} exposure={secretExposure(name, phases)} />}
          </form>
        ) : (
          <p className="muted">Only the session’s owner adds, replaces or deletes secrets; server-wide ones are set by an admin.</p>
        )}
      </div>
    </div>
  );
}
