import type * as Y from 'yjs';
import { readFileListing } from '../../../../shared/src/doc/accessors.js';
import { useDocValue } from '../../lib/session-sync.js';

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The workspace tree from `fileInfo`; it fills in once the sandbox arrives. */
export function FilesPanelBody({ doc }: { doc: Y.Doc }) {
  const files = useDocValue(doc, readFileListing);
  if (files.length === 0) {
    return <p className="muted empty-line">No files yet. The workspace tree appears here when the session’s sandbox starts.</p>;
  }
  return (
    <ul className="file-list">
      {files.map((file) => (
        <li key={file.path} className={file.changedInSession ? 'changed' : ''}>
          <span className="file-path">{file.path}</span>
          <span className="muted">{file.kind === 'text' ? formatSize(file.size) : file.kind}</span>
        </li>
      ))}
    </ul>
  );
}
