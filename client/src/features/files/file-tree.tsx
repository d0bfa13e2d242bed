import { useMemo, useState } from 'react';
import type { FileListing } from '@tandem/shared/doc/schema.js';

interface TreeFolder {
  name: string;
  path: string;
  folders: Map<string, TreeFolder>;
  files: FileListing[];
}

function buildTree(files: FileListing[]): TreeFolder {
  const root: TreeFolder = { name: '', path: '', folders: new Map(), files: [] };
  for (const file of files) {
    const parts = file.path.split('/');
    let folder = root;
    for (const part of parts.slice(0, -1)) {
      let next = folder.folders.get(part);
      if (!next) {
        next = { name: part, path: folder.path ? `${folder.path}/${part}` : part, folders: new Map(), files: [] };
        folder.folders.set(part, next);
      }
      folder = next;
    }
    folder.files.push(file);
  }
  return root;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Most entries one folder shows before "show more" (a big repo must not render 20,000 rows at once). */
const FOLDER_PAGE_SIZE = 200;

function Folder({ folder, depth, selected, viewers, onOpen }: { folder: TreeFolder; depth: number; selected: string | null; viewers: Map<string, string[]>; onOpen(path: string): void }) {
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set());
  const [limit, setLimit] = useState(FOLDER_PAGE_SIZE);
  const folders = [...folder.folders.values()].sort((left, right) => left.name.localeCompare(right.name));
  const entries = [...folders.map((item) => ({ kind: 'folder' as const, item })), ...folder.files.map((item) => ({ kind: 'file' as const, item }))];
  const toggle = (path: string) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (next.has(path)) next.delete(path);
      else next.add(path);
      return next;
    });
  return (
    <ul className="tree" role={depth === 0 ? 'tree' : 'group'}>
      {entries.slice(0, limit).map((entry) =>
        entry.kind === 'folder' ? (
          <li key={entry.item.path} role="treeitem" aria-expanded={expanded.has(entry.item.path)}>
            <button className="tree-row folder" style={{ paddingLeft: 6 + depth * 14 }} onClick={() => toggle(entry.item.path)}>
              <span className="tree-caret" aria-hidden>
                {expanded.has(entry.item.path) ? '▾' : '▸'}
              </span>
              {entry.item.name}
            </button>
            {expanded.has(entry.item.path) && <Folder folder={entry.item} depth={depth + 1} selected={selected} viewers={viewers} onOpen={onOpen} />}
          </li>
        ) : (
          <li key={entry.item.path} role="treeitem" aria-selected={selected === entry.item.path}>
            <button
              className={`tree-row file${selected === entry.item.path ? ' selected' : ''}${entry.item.changedInSession ? ' changed' : ''}`}
              style={{ paddingLeft: 20 + depth * 14 }}
              onClick={() => onOpen(entry.item.path)}
              disabled={entry.item.kind !== 'text'}
              title={entry.item.kind === 'text' ? entry.item.path : `${entry.item.path} (${entry.item.kind})`}
              data-testid="tree-file"
              data-path={entry.item.path}
            >
              <span className="tree-name">{entry.item.path.split('/').at(-1)}</span>
              {(viewers.get(entry.item.path) ?? []).map((color) => (
                <span key={color} className="viewer-dot" style={{ background: color }} aria-hidden />
              ))}
              {entry.item.changedInSession && <span className="changed-mark" title="Changed in this session">M</span>}
              <span className="muted tree-size">{entry.item.kind === 'text' ? formatSize(entry.item.size) : entry.item.kind}</span>
            </button>
          </li>
        ),
      )}
      {entries.length > limit && (
        <li>
          <button className="tree-row more" style={{ paddingLeft: 20 + depth * 14 }} onClick={() => setLimit(limit + FOLDER_PAGE_SIZE)}>
            {entries.length - limit} more…
          </button>
        </li>
      )}
    </ul>
  );
}

/** The workspace as a folder tree; a click opens a text file in the editor. Dots show who has a file open. */
export function FileTree({ files, selected, viewers, onOpen }: { files: FileListing[]; selected: string | null; viewers: Map<string, string[]>; onOpen(path: string): void }) {
  const tree = useMemo(() => buildTree(files), [files]);
  return <Folder folder={tree} depth={0} selected={selected} viewers={viewers} onOpen={onOpen} />;
}
