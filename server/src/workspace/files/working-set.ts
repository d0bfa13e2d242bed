import { liveFilePaths, liveFileText, readFileInfo, removeLiveFile } from '@tandem/shared/doc/accessors.js';
import { Origin } from '@tandem/shared/doc/origins.js';
import { MAX_LIVE_FILES } from '@tandem/shared/limits.js';
import type { FileSyncState } from './file-sync-state.js';

/** Whether `path` can join the working set without passing MAX_LIVE_FILES (an unchanged file could leave for it). */
export function hasRoomForLiveFile(state: FileSyncState, path: string): boolean {
  const doc = state.doc;
  if (liveFilePaths(doc).length < MAX_LIVE_FILES) return true;
  return state.openedOrder.some((candidate) => candidate !== path && liveFileText(doc, candidate) !== undefined && !readFileInfo(doc, candidate)?.changedInSession);
}

/** Keeps the working set bounded: unchanged files opened longest ago leave it first. */
export function touchOpened(state: FileSyncState, path: string): void {
  const doc = state.doc;
  const openedOrder = state.openedOrder;
  const index = openedOrder.indexOf(path);
  if (index >= 0) openedOrder.splice(index, 1);
  openedOrder.push(path);
  let live = liveFilePaths(doc).length;
  for (const candidate of [...openedOrder]) {
    if (live <= MAX_LIVE_FILES) break;
    if (candidate === path || readFileInfo(doc, candidate)?.changedInSession) continue;
    removeLiveFile(doc, candidate, Origin.sandbox);
    state.shadow.delete(candidate);
    openedOrder.splice(openedOrder.indexOf(candidate), 1);
    live -= 1;
  }
}
