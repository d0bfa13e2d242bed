import { liveFileText, readFileInfo, removeLiveFile, writeFileInfo } from '@tandem/shared/doc/accessors.js';
import { Origin } from '@tandem/shared/doc/origins.js';
import { fileInfoMap, type FileInfo } from '@tandem/shared/doc/schema.js';
import { MAX_FILE_INFO_ENTRIES } from '@tandem/shared/limits.js';
import { guessKind } from './file-kind.js';
import { LISTING_BATCH_MS, SANDBOX_WRITER, type FileSyncState } from './file-sync-state.js';

/** The tree half of the file sync: `fileInfo` lists every file of the workspace, live or not. */

/** Every file of the tree that is not ignored, with its size (capped at MAX_FILE_INFO_ENTRIES). */
export async function listTree(state: FileSyncState): Promise<Map<string, number>> {
  const entries = await state.sandbox.listFiles('.', { recursive: true, maxEntries: MAX_FILE_INFO_ENTRIES * 2 });
  const files = entries.filter((entry) => entry.kind === 'file' && !state.isIgnored(entry.path)).slice(0, MAX_FILE_INFO_ENTRIES);
  return new Map(files.map((entry) => [entry.path, entry.size]));
}

/** Makes the doc's tree the listed one, keeping what it knew of each file (and live files the listing missed). */
export function writeListedTree(state: FileSyncState, listed: Map<string, number>): void {
  const doc = state.doc;
  doc.transact(() => {
    const tree = fileInfoMap(doc);
    for (const path of [...tree.keys()]) {
      if (!listed.has(path) && !liveFileText(doc, path)) tree.delete(path);
    }
    for (const [path, size] of listed) {
      const known = tree.has(path) ? readFileInfo(doc, path) : undefined;
      writeFileInfo(
        doc,
        path,
        { size, kind: known?.kind ?? guessKind(path, size), changedInSession: known?.changedInSession ?? false, lastWriter: known?.lastWriter },
        Origin.sandbox,
      );
    }
  }, Origin.sandbox);
}

/** Records a file as too large to be live (with the size seen), and drops it from the working set. */
export function markTooLarge(state: FileSyncState, path: string, sizeBytes: number, changedBySandbox = false): void {
  const doc = state.doc;
  state.pendingListings.delete(path);
  const info = changedBySandbox ? { ...state.infoFor(path, sizeBytes, true), lastWriter: SANDBOX_WRITER } : state.infoFor(path, sizeBytes);
  doc.transact(() => {
    writeFileInfo(doc, path, { ...info, kind: 'too-large' }, Origin.sandbox);
    if (liveFileText(doc, path)) removeLiveFile(doc, path, Origin.sandbox);
  }, Origin.sandbox);
  state.shadow.delete(path);
}

/** Lists a changed file that is not live; such entries reach the tree together, in one doc update. */
export function listLater(state: FileSyncState, path: string, info: FileInfo): void {
  state.pendingListings.set(path, info);
  state.listingTimer ??= setTimeout(() => {
    state.listingTimer = null;
    const batch = [...state.pendingListings];
    state.pendingListings.clear();
    if (state.stopped) return;
    const doc = state.doc;
    doc.transact(() => {
      // A file that became live meanwhile has its own, newer entry.
      for (const [listed, entry] of batch) if (!liveFileText(doc, listed)) writeFileInfo(doc, listed, entry, Origin.sandbox);
    }, Origin.sandbox);
  }, LISTING_BATCH_MS);
}
