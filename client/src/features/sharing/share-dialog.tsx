import { useCallback, useEffect, useState } from 'react';
import { joinPath, type NewShareLink, type ShareLink } from '../../../../shared/src/protocol/http.js';
import type { ShareRole } from '../../../../shared/src/roles.js';
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

/**
 * The owner's share links: mint one per role and copy it (the server keeps only a hash of the token,
 * so a link can be shown this once), list the live ones and revoke them (open tabs of that link close).
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

  const create = (role: ShareRole) =>
    api.createLink(sessionId, role).then(({ link }) => {
      setFresh(link);
      setCopied(false);
      load();
    }, reportError);
  const revoke = (linkId: string) =>
    api.revokeLink(sessionId, linkId).then(() => {
      if (fresh?.id === linkId) setFresh(null);
      load();
    }, reportError);
  const freshUrl = fresh ? `${window.location.origin}${joinPath(fresh.token)}` : '';
  async function copy() {
    try {
      await navigator.clipboard.writeText(freshUrl);
      setCopied(true);
    } catch {
      setError('Copying is blocked in this browser; select the link and copy it by hand.');
    }
  }

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
        <p className="muted">Anyone who opens a link joins with its role. Revoke a link to end that access at once.</p>
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
              <strong>Your new link</strong>
              <span className="muted">— copy it now: for safety it is shown only once.</span>
            </div>
            <div className="share-fresh-row">
              <input className="share-url" readOnly value={freshUrl} onFocus={(event) => event.target.select()} aria-label={`${fresh.role} link`} />
              <button className="button small primary" onClick={() => void copy()}>
                {copied ? 'Copied' : 'Copy link'}
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
                  {link.role === 'editor' ? 'Can edit' : 'Can watch'} · {createdAgo(link.createdAt, nowMs)}
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
