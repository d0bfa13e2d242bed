import { createTwoFilesPatch } from 'diff';
import { liveFileText } from '@tandem/shared/doc/accessors.js';
import { fileInfoMap } from '@tandem/shared/doc/schema.js';
import type { FileChange } from '@tandem/shared/protocol/http.js';
import { classifyContent } from './file-kind.js';
import { decoder, LIVE_READ, type FileSyncState } from './file-sync-state.js';

/** Like the live files' readText, but only as much as a live file may hold (the changes view diffs only those). */
async function readLiveText(state: FileSyncState, path: string): Promise<Uint8Array> {
  const live = liveFileText(state.doc, path);
  if (live) return new TextEncoder().encode(live.toString());
  return state.sandbox.readFile(path, LIVE_READ);
}

/** Files changed in this session against the snapshot, each with a unified diff. */
export async function fileChanges(state: FileSyncState): Promise<FileChange[]> {
  const changes: FileChange[] = [];
  const sandbox = state.sandbox;
  const readBase = sandbox.readBaseFile ? (path: string) => sandbox.readBaseFile!(path, LIVE_READ) : undefined;
  for (const [path, entry] of fileInfoMap(state.doc).entries()) {
    if (entry.get('changedInSession') !== true) continue;
    // Over the live limit on either side: listed as modified, without a diff (never read whole).
    if (entry.get('kind') === 'too-large') {
      changes.push({ path, status: 'modified', lastWriter: (entry.get('lastWriter') as string | undefined) ?? undefined, diff: null });
      continue;
    }
    const base = readBase ? await readBase(path).catch(() => null) : null;
    const current = await readLiveText(state, path).catch(() => null);
    if (current === null) continue;
    const lastWriter = (entry.get('lastWriter') as string | undefined) ?? undefined;
    const baseKnown = readBase !== undefined;
    if (base && Buffer.from(base).equals(Buffer.from(current))) continue;
    const textual = classifyContent(current) === 'text' && (!base || classifyContent(base) === 'text');
    changes.push({
      path,
      status: baseKnown && !base ? 'added' : 'modified',
      lastWriter,
      diff: textual ? createTwoFilesPatch(`a/${path}`, `b/${path}`, base ? decoder.decode(base) : '', decoder.decode(current), '', '', { context: 3 }) : null,
    });
  }
  for (const path of state.removed) {
    if (fileInfoMap(state.doc).has(path)) continue;
    const base = readBase ? await readBase(path).catch(() => null) : null;
    if (!base) continue;
    const textual = classifyContent(base) === 'text';
    changes.push({ path, status: 'deleted', diff: textual ? createTwoFilesPatch(`a/${path}`, `b/${path}`, decoder.decode(base), '', '', '', { context: 3 }) : null });
  }
  return changes.sort((left, right) => left.path.localeCompare(right.path));
}
