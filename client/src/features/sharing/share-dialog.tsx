import { useCallback, useEffect, useState } from 'react';
import { joinPath, type ShareLink } from '../../../../shared/src/protocol/http.js';
import type { ShareRole } from '../../../../shared/src/roles.js';
import { api } from '../../lib/api.js';
import { errorMessage } from '../../lib/use-action.js';

const ROLE_HELP: Record<ShareRole, string> = {
  viewer: 'watches the session live',
  editor: 'also chats, edits the plan and files, and steers',
};

/** The owner's share links: mint one per role, copy it, revoke it (open tabs of that link close). */
export function ShareDialog({ sessionId, onClose }: { sessionId: string; onClose: () => void }) {
  const [links, setLinks] = useState<ShareLink[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [copiedId, setCopiedId] = useState<string | null>(null);

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

  const create = (role: ShareRole) => api.createLink(sessionId, role).then(load, reportError);
  const revoke = (linkId: string) => api.revokeLink(sessionId, linkId).then(load, reportError);
  const urlOf = (link: ShareLink) => `${window.location.origin}${joinPath(link.token)}`;
  async function copy(link: ShareLink) {
    try {
      await navigator.clipboard.writeText(urlOf(link));
      setCopiedId(link.id);
    } catch {
      setError('Copying is blocked in this browser; select the link and copy it by hand.');
    }
  }

  const live = links.filter((link) => link.revokedAt === null);
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
        {error && <p className="error-text">{error}</p>}
        <ul className="share-links" data-testid="share-links">
          {live.length === 0 && <li className="muted empty-line">No active links.</li>}
          {live.map((link) => (
            <li key={link.id} data-role={link.role}>
              <span className={`chip role-${link.role}`}>{link.role}</span>
              <input className="share-url" readOnly value={urlOf(link)} onFocus={(event) => event.target.select()} aria-label={`${link.role} link`} />
              <button className="button small" onClick={() => void copy(link)}>
                {copiedId === link.id ? 'Copied' : 'Copy'}
              </button>
              <button className="button small danger" onClick={() => void revoke(link.id)}>
                Revoke
              </button>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
