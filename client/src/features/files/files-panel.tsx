import type * as Y from 'yjs';
import { readFileListing } from '@tandem/shared/doc/accessors.js';
import { useDocValue } from '../../lib/session-sync.js';
import type { Participant } from '../presence/use-presence.js';
import { FileTree } from './file-tree.js';

/** The workspace tree from `fileInfo`; it fills in once the session's sandbox runs. */
export function FilesPanelBody({ doc, selected, participants, onOpen }: { doc: Y.Doc; selected: string | null; participants: Participant[]; onOpen(path: string): void }) {
  const files = useDocValue(doc, readFileListing, ['fileInfo', 'files']);
  if (files.length === 0) {
    return <p className="muted empty-line">No files yet. The workspace tree appears here when the session’s sandbox starts.</p>;
  }
  const viewers = new Map<string, string[]>();
  for (const participant of participants) {
    if (!participant.openFile || participant.isSelf) continue;
    viewers.set(participant.openFile, [...(viewers.get(participant.openFile) ?? []), participant.user.color]);
  }
  return (
    <div data-testid="file-tree">
      <FileTree files={files} selected={selected} viewers={viewers} onOpen={onOpen} />
    </div>
  );
}
