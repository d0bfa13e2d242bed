import { useCallback, useEffect, useState } from 'react';
import { joinPath, type NewShareLink, type ShareLink } from '@tandem/shared/protocol/http.js';
import type { ShareRole } from '@tandem/shared/roles.js';
import { api } from '../../lib/api.js';
import { errorMessage } from '../../lib/use-action.js';

const ROLE_HELP: Record<ShareRole, string> = {
  viewer: 'watches the session live',
  editor: 'also chats, edits the plan and files, and steers',
};

function createdAgo(createdAtMs: number, nowMs: number): string {
  const minutes = Math.floor((nowMs - createdAtMs) / 60_000);
  if (minutes < 1) return 'created just now';
  if (minutes < 60) return `created ${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `created ${hours} h ago`;
  return `created ${new Date(createdAtMs).toLocaleDateString()}`;
}

function joinsCount(joins: number): string {
  return joins === 0 ? 'not used yet' : joins === 1 ? 'used once' : `used ${joins} times`;
}

function peopleCount(people: number): string {
  return people === 1 ? '1 person' : `${people} people`;
}

/**
 * The owner's share links: mint one per role, copied in the same click (the server keeps only a hash
 * of the token, so a link can be shown this once), list the live ones with when they were made and how
 * often they were used, and revoke them (open tabs of that link close). A resumed session lists the
 * access it carried over from the ended one as links too, revocable the same way.
 */
export function ShareDialog({ sessionId, onClose }: { sessionId: string; onClose: () => void }) {
  const [links, setLinks] = useState<ShareLink[]>([]);
  const [fresh, setFresh] = useState<NewShareLink | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);

  const reportError = (caught: unknown) => setError(errorMessage(caught, 'Something went wrong; try again.'));
  const load = useCallback(() => {
    api.listLinks(sessionId).then((response) => setLinks(response.links), reportError);
  }, [sessionId]);
  useEffect(load, [load]);
  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent) => event.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const urlOf = (token: string) => `${window.location.origin}${joinPath(token)}`;
  const freshUrl = fresh ? urlOf(fresh.token) : '';
  async function copy(url: string) {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
    } catch {
      setCopied(false);
      setError('Copying is blocked in this browser; select the link and copy it by hand.');
    }
  }
  // One click makes the link and copies it: it can be shown only now, so it goes straight to the clipboard.
  const create = (role: ShareRole) => {
    setError(null);
    setCopied(false);
    return api.createLink(sessionId, role).then(async ({ link }) => {
      setFresh(link);
      load();
      await copy(urlOf(link.token));
    }, reportError);
  };
  const revoke = (linkId: string) =>
    api.revokeLink(sessionId, linkId).then(() => {
      if (fresh?.id === linkId) setFresh(null);
      load();
    }, reportError);

  const live = links.filter((link) => link.revokedAt === null);
  const nowMs = Date.now();
  return (
    <div className="dialog-backdrop" onClick={onClose}>
      <div className="dialog card" role="dialog" aria-label="Share this session" onClick={(event) => event.stopPropagation()}>
        <header className="dialog-header">
          <h2>Share this session</h2>
          <button className="icon-button" onClick={onClose} aria-label="Close">
            ×
          </button>
        </header>
        <p className="muted">Anyone who opens a link joins with its role; a new link is copied to your clipboard in the same click. Revoke a link to end that access at once.</p>
        <div className="share-create">
          {(['viewer', 'editor'] as const).map((role) => (
            <button key={role} className="button" onClick={() => void create(role)}>
              New {role} link <small className="muted">— {ROLE_HELP[role]}</small>
            </button>
          ))}
        </div>
        {fresh && (
          <div className="share-fresh" data-testid="new-share-link">
            <div className="share-fresh-head">
              <span className={`chip role-${fresh.role}`}>{fresh.role}</span>
              <strong>{copied ? 'Copied to your clipboard' : 'Your new link'}</strong>
              <span className="muted">— for safety it is shown only this once.</span>
            </div>
            <div className="share-fresh-row">
              <input className="share-url" readOnly value={freshUrl} onFocus={(event) => event.target.select()} aria-label={`${fresh.role} link`} />
              <button className="button small primary" onClick={() => void copy(freshUrl)} aria-live="polite">
                {copied ? 'Copied ✓' : 'Copy link'}
              </button>
            </div>
          </div>
        )}
        {error && <p className="error-text">{error}</p>}
        <section className="share-list">
          <h3 className="section-label">Active links</h3>
          <ul className="share-links" data-testid="share-links">
            {live.length === 0 && <li className="muted empty-line">No active links.</li>}
            {live.map((link) => (
              <li key={link.id} data-role={link.role} className={fresh?.id === link.id ? 'is-fresh' : undefined}>
                <span className={`chip role-${link.role}`}>{link.role}</span>
                <span className="share-link-meta">
                  {link.carriedFrom ? (
                    <>
                      {link.role === 'editor' ? 'Can edit' : 'Can watch'} · carried over from “{link.carriedFrom.title}” ·{' '}
                      <span data-testid="link-uses">{peopleCount(link.joinCount)}</span>
                    </>
                  ) : (
                    <>
                      {link.role === 'editor' ? 'Can edit' : 'Can watch'} · {createdAgo(link.createdAt, nowMs)} ·{' '}
                      <span data-testid="link-uses">{joinsCount(link.joinCount)}</span>
                    </>
                  )}
                  {fresh?.id === link.id && <span className="muted"> · the one above</span>}
                </span>
                <button className="button small danger" onClick={() => void revoke(link.id)} aria-label={`Revoke this ${link.role} access`}>
                  Revoke
                </button>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </div>
  );
}
