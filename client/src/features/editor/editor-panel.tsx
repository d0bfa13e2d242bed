import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import type { WebsocketProvider } from 'y-websocket';
import type * as Y from 'yjs';
import { liveFileText } from '@tandem/shared/doc/accessors.js';
import { useDocValue } from '../../lib/session-sync.js';
import { Avatar } from '../../ui/avatar.js';
import type { Participant } from '../presence/use-presence.js';
import { ChangesView } from './changes-view.js';
import { RemoteCursorStyles } from './remote-cursors.js';
import type { OpenFileState } from './use-open-file.js';

// Monaco is large: it loads when someone first opens a file, not with the page.
const CodeEditor = lazy(() => import('./code-editor.js'));

/** The editor: the open file, live with everyone's cursors, or the session's changes with diffs. */
export function EditorPanelBody({
  doc,
  sessionId,
  provider,
  openFile,
  canEdit,
  participants,
}: {
  doc: Y.Doc;
  sessionId: string;
  provider: WebsocketProvider;
  openFile: OpenFileState;
  canEdit: boolean;
  participants: Participant[];
}) {
  const [view, setView] = useState<'file' | 'changes'>('file');
  useEffect(() => setView('file'), [openFile.openCount]);
  const path = openFile.path;
  const readText = useCallback((current: Y.Doc) => (path ? liveFileText(current, path) : undefined), [path]);
  const text = useDocValue(doc, readText, ['files']);
  const here = participants.filter((participant) => path && participant.openFile === path && !participant.isSelf);

  return (
    <div className="editor-panel">
      <div className="editor-tabs" role="tablist">
        <button role="tab" aria-selected={view === 'file'} className={`tab ${view === 'file' ? 'active' : ''}`} onClick={() => setView('file')}>
          {path ?? 'No file open'}
        </button>
        <button role="tab" aria-selected={view === 'changes'} className={`tab ${view === 'changes' ? 'active' : ''}`} onClick={() => setView('changes')}>
          Changes
        </button>
        <span className="editor-people">
          {here.map((participant) => (
            <Avatar key={participant.clientId} name={participant.user.name} color={participant.user.color} size="sm" />
          ))}
          {!canEdit && path && <span className="chip">read-only</span>}
        </span>
      </div>
      {view === 'changes' ? (
        <div className="editor-scroll">
          <ChangesView doc={doc} sessionId={sessionId} onOpen={openFile.open} />
        </div>
      ) : !path ? (
        <div className="editor-empty muted">Open a file from the tree (or a file the agent touched, from the conversation) to edit it together.</div>
      ) : openFile.error ? (
        <div className="editor-empty error-text">{openFile.error}</div>
      ) : !text ? (
        <div className="editor-empty muted">Opening {path}…</div>
      ) : (
        <Suspense fallback={<div className="editor-empty muted">Loading the editor…</div>}>
          <RemoteCursorStyles provider={provider} path={path} />
          <CodeEditor key={path} path={path} text={text} provider={provider} readOnly={!canEdit} />
        </Suspense>
      )}
    </div>
  );
}
