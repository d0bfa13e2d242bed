import { useEffect, useState } from 'react';
import type * as Y from 'yjs';
import { readFileListing } from '@tandem/shared/doc/accessors.js';
import type { FileChange } from '@tandem/shared/protocol/http.js';
import { api } from '../../lib/api.js';
import { errorMessage } from '../../lib/use-action.js';
import { useDocValue } from '../../lib/session-sync.js';

const countChanged = (doc: Y.Doc) => readFileListing(doc).filter((file) => file.changedInSession).map((file) => `${file.path}:${file.size}`).join('|');

function DiffLines({ diff }: { diff: string }) {
  // Skip the two file-name header lines and the "===" banner jsdiff writes.
  const lines = diff.split('\n').filter((line) => !line.startsWith('===') && !line.startsWith('--- ') && !line.startsWith('+++ ') && !line.startsWith('Index:'));
  return (
    <pre className="diff">
      {lines.map((line, index) => (
        <span key={index} className={line.startsWith('+') ? 'diff-add' : line.startsWith('-') ? 'diff-del' : line.startsWith('@@') ? 'diff-hunk' : ''}>
          {line}
          {'\n'}
        </span>
      ))}
    </pre>
  );
}

/** What changed in this session against the snapshot, with diffs; it refreshes as files change. */
export function ChangesView({ doc, sessionId, onOpen }: { doc: Y.Doc; sessionId: string; onOpen(path: string): void }) {
  const signature = useDocValue(doc, countChanged, ['fileInfo']);
  const [changes, setChanges] = useState<FileChange[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    const timer = setTimeout(() => {
      api.listChanges(sessionId).then(
        (response) => !cancelled && (setChanges(response.changes), setError(null)),
        (caught: unknown) => !cancelled && setError(errorMessage(caught, 'Could not load the changes.')),
      );
    }, 150);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [sessionId, signature]);

  if (error) return <p className="error-text empty-line">{error}</p>;
  if (!changes) return <p className="muted empty-line">Loading changes…</p>;
  if (changes.length === 0) return <p className="muted empty-line">No changes yet. Files the agent, the terminal or people change appear here with a diff.</p>;
  return (
    <div className="changes" data-testid="changes">
      {changes.map((change) => (
        <section key={change.path} className="change" data-testid="change" data-path={change.path}>
          <header className="change-head">
            <span className={`change-status status-${change.status}`}>{change.status === 'added' ? 'A' : change.status === 'deleted' ? 'D' : 'M'}</span>
            {change.status === 'deleted' ? <code>{change.path}</code> : (
              <button className="link-button" onClick={() => onOpen(change.path)}>
                {change.path}
              </button>
            )}
            {change.lastWriter && <span className="muted small">last by {change.lastWriter}</span>}
          </header>
          {change.diff ? <DiffLines diff={change.diff} /> : <p className="muted small">Binary file.</p>}
        </section>
      ))}
    </div>
  );
}
