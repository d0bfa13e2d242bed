import { addLiveFile, appendTranscriptEntry, liveFileText, readFileInfo, removeFile, removeLiveFile, writeFileInfo } from '@tandem/shared/doc/accessors.js';
import { Origin } from '@tandem/shared/doc/origins.js';
import { fileInfoMap } from '@tandem/shared/doc/schema.js';
import { MAX_FILE_INFO_ENTRIES, MAX_LIVE_FILE_BYTES } from '@tandem/shared/limits.js';
import { classifyContent, normalizeWorkspacePath } from './file-kind.js';
import { decoder, isSandboxError, LIVE_READ, SANDBOX_EVENT_DEBOUNCE_MS, SANDBOX_WRITER, type FileSyncState } from './file-sync-state.js';
import { applyEdits, applyEditsToYText, computeEdits, rebaseEdits } from './text-edits.js';
import { listLater, listTree, markTooLarge } from './tree-listing.js';
import { hasRoomForLiveFile, touchOpened } from './working-set.js';

/**
 * The sandbox → doc half of the file sync: watches the workspace and reads what commands (agent,
 * terminal, scripts) changed, applying it to the doc as minimal edits (origin `sandbox`), merged
 * with any edits people made meanwhile.
 */
export class SandboxPull {
  private stopWatching: (() => void) | null = null;

  constructor(
    private readonly state: FileSyncState,
    /** A merge left people's pending edits that the sandbox has not got yet: write them out now. */
    private readonly writeMergedNow: (path: string) => void,
  ) {}

  /** Watches the sandbox; a second listing then catches what changed since `listed` was taken. */
  async watchAndReconcile(listed: Map<string, number>): Promise<void> {
    if (this.state.stopped) return;
    await new Promise<void>((resolve) => {
      this.stopWatching = this.state.sandbox.watch((event) => this.onSandboxEvent(event.path), { onReady: resolve });
    });
    const again = await listTree(this.state);
    for (const [path, size] of again) if (listed.get(path) !== size) this.onSandboxEvent(path);
    for (const path of listed.keys()) if (!again.has(path)) this.onSandboxEvent(path);
  }

  stop(): void {
    this.stopWatching?.();
  }

  private onSandboxEvent(rawPath: string): void {
    const state = this.state;
    const path = normalizeWorkspacePath(rawPath);
    if (!path || state.isIgnored(path) || state.stopped) return;
    clearTimeout(state.eventTimers.get(path));
    state.eventTimers.set(
      path,
      setTimeout(() => {
        state.eventTimers.delete(path);
        void state.enqueue(path, () => state.readSlots.run(() => this.pullFromSandbox(path)));
      }, SANDBOX_EVENT_DEBOUNCE_MS),
    );
  }

  /** Reads a path the sandbox changed and brings the doc up to date with it. */
  async pullFromSandbox(path: string, makeLive = false): Promise<void> {
    const state = this.state;
    const doc = state.doc;
    // Whatever this read finds is newer than a listing still waiting to be written.
    state.pendingListings.delete(path);
    let bytes: Uint8Array;
    try {
      bytes = await state.sandbox.readFile(path, LIVE_READ);
    } catch (error) {
      if (isSandboxError(error, 'is-directory') || (error as NodeJS.ErrnoException).code === 'EISDIR') {
        // A folder appeared (created, or moved here): its files are what the tree lists.
        const inside = await state.sandbox.listFiles(path, { recursive: true, maxEntries: MAX_FILE_INFO_ENTRIES });
        for (const entry of inside) if (entry.kind === 'file') this.onSandboxEvent(entry.path);
        return;
      }
      if (isSandboxError(error, 'too-large')) {
        markTooLarge(state, path, error.sizeBytes ?? MAX_LIVE_FILE_BYTES + 1, true);
        return;
      }
      // Gone, or now a link or a pipe: no longer a file of the tree (a link is never followed).
      if (!isSandboxError(error, 'not-found', 'outside-workspace', 'not-a-file')) throw error;
      const prefix = `${path}/`;
      for (const waiting of [...state.pendingListings.keys()]) if (waiting.startsWith(prefix)) state.pendingListings.delete(waiting);
      const gone = [...fileInfoMap(doc).keys()].filter((known) => known === path || known.startsWith(prefix));
      doc.transact(() => gone.forEach((known) => removeFile(doc, known, Origin.sandbox)), Origin.sandbox);
      for (const known of gone) {
        state.shadow.delete(known);
        state.removed.add(known);
      }
      return;
    }
    const kind = classifyContent(bytes);
    const live = liveFileText(doc, path);
    if (kind !== 'text') {
      doc.transact(() => {
        writeFileInfo(doc, path, { ...state.infoFor(path, bytes.byteLength, true), kind, lastWriter: SANDBOX_WRITER }, Origin.sandbox);
        if (live) removeLiveFile(doc, path, Origin.sandbox);
      }, Origin.sandbox);
      state.shadow.delete(path);
      return;
    }
    const text = decoder.decode(bytes);
    const shadow = state.shadow.get(path);
    if (live && text === shadow) return; // our own write coming back, or no change
    if (!live && !fileInfoMap(doc).has(path) && fileInfoMap(doc).size + state.pendingListings.size >= MAX_FILE_INFO_ENTRIES) return; // the tree is full
    if (!live && readFileInfo(doc, path)?.size === bytes.byteLength && !makeLive && shadow === undefined) {
      // Touched but maybe unchanged (e.g. `touch`, or a build rewriting the same bytes): compare with the snapshot.
      const base = await state.sandbox.readBaseFile?.(path).catch(() => null);
      if (base && Buffer.from(base).equals(Buffer.from(bytes))) return;
    }
    if (!live && !makeLive && !hasRoomForLiveFile(state, path)) {
      // The working set is full of files changed in this session: this one is listed (changed), not live.
      listLater(state, path, { ...state.infoFor(path, bytes.byteLength, true), kind: 'text', lastWriter: SANDBOX_WRITER });
      state.removed.delete(path);
      return;
    }
    let conflicted = false;
    doc.transact(() => {
      writeFileInfo(doc, path, { ...state.infoFor(path, bytes.byteLength, true), kind: 'text', lastWriter: SANDBOX_WRITER }, Origin.sandbox);
      if (!live) {
        addLiveFile(doc, path, text, Origin.sandbox);
        return;
      }
      const current = live.toString();
      const base = shadow ?? current;
      const rebased = rebaseEdits(computeEdits(base, current), computeEdits(base, text));
      conflicted = rebased.conflicted;
      applyEditsToYText(live, rebased.edits);
      if (applyEdits(current, rebased.edits) !== text) this.writeMergedNow(path); // people's pending edits go back out merged
    }, Origin.sandbox);
    state.shadow.set(path, text);
    state.removed.delete(path);
    touchOpened(state, path);
    if (conflicted) {
      const who = state.writers.get(path) ?? 'A person';
      appendTranscriptEntry(
        doc,
        {
          kind: 'system-notice',
          id: `n_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
          level: 'warning',
          text: `${who} and a change in the sandbox edited the same part of ${path} at once; both edits were kept. Check the merged lines.`,
          createdAt: Date.now(),
        },
        Origin.sandbox,
      );
    }
  }
}
