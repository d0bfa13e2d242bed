import type * as Y from 'yjs';
import { addLiveFile, liveFilePaths, liveFileText, writeFileInfo } from '@tandem/shared/doc/accessors.js';
import { isOrigin, Origin } from '@tandem/shared/doc/origins.js';
import { filesMap } from '@tandem/shared/doc/schema.js';
import { MAX_LIVE_FILE_BYTES } from '@tandem/shared/limits.js';
import { classifyContent, normalizeWorkspacePath } from './file-kind.js';
import {
  AGENT_WRITER,
  byteLength,
  decoder,
  DOC_WRITE_DEBOUNCE_MS,
  FileSyncError,
  isSandboxError,
  LIVE_READ,
  MAX_AGENT_READ_BYTES,
  type FileSyncState,
} from './file-sync-state.js';
import type { SandboxPull } from './sandbox-pull.js';
import { applyEditsToYText, computeEdits } from './text-edits.js';
import { markTooLarge } from './tree-listing.js';
import { touchOpened } from './working-set.js';

/**
 * The doc → sandbox half of the file sync: the working set (`files`), opened by people and written
 * by people and the agent; their edits are written to the sandbox after a short pause, never echoed
 * back, after merging in whatever a command changed on disk meanwhile.
 */
export class LiveFiles {
  constructor(
    private readonly state: FileSyncState,
    private readonly pull: SandboxPull,
  ) {}

  private get doc(): Y.Doc {
    return this.state.doc;
  }

  /** Loads a file into the working set so it can be edited together (any role may open). */
  async open(path: string): Promise<void> {
    const state = this.state;
    state.pendingListings.delete(path);
    if (liveFileText(this.doc, path)) return touchOpened(state, path);
    let bytes: Uint8Array;
    try {
      bytes = await state.sandbox.readFile(path, LIVE_READ);
    } catch (error) {
      if (isSandboxError(error, 'not-found')) throw new FileSyncError(`${path} does not exist`, 'not-found');
      if (isSandboxError(error, 'outside-workspace', 'is-directory', 'not-a-file')) throw new FileSyncError(error.message, 'invalid-path');
      if (isSandboxError(error, 'too-large')) {
        markTooLarge(state, path, error.sizeBytes ?? MAX_LIVE_FILE_BYTES + 1);
        throw new FileSyncError(`${path} is too large to edit live; open it in the terminal`, 'too-large');
      }
      throw error;
    }
    const kind = classifyContent(bytes);
    this.doc.transact(() => writeFileInfo(this.doc, path, { ...state.infoFor(path, bytes.byteLength), kind }, Origin.sandbox), Origin.sandbox);
    if (kind === 'binary') throw new FileSyncError(`${path} is a binary file; it can’t be edited here`, 'binary');
    if (kind === 'too-large') throw new FileSyncError(`${path} is too large to edit live; open it in the terminal`, 'too-large');
    if (!liveFileText(this.doc, path)) {
      const text = decoder.decode(bytes);
      addLiveFile(this.doc, path, text, Origin.sandbox);
      state.shadow.set(path, text);
    }
    touchOpened(state, path);
  }

  /** The current text of a file: the doc's, with people's unsaved keystrokes, when it is live. */
  async readText(path: string): Promise<Uint8Array> {
    const live = liveFileText(this.doc, path);
    if (live) return new TextEncoder().encode(live.toString());
    return this.state.sandbox.readFile(path, { maxBytes: MAX_AGENT_READ_BYTES });
  }

  /**
   * The agent writes a file: as minimal edits on the live text (so a person typing in it keeps their
   * keystrokes), then to the sandbox before this resolves, so the agent's next command sees it.
   */
  async writeText(path: string, content: string, writer: string): Promise<void> {
    const state = this.state;
    if (classifyContent(new TextEncoder().encode(content)) !== 'text') {
      // Too big (or not text) to be live: straight to the sandbox; the watcher updates the tree.
      await state.sandbox.writeFile(path, content);
      return;
    }
    let live = liveFileText(this.doc, path);
    if (!live) {
      const existing = await state.sandbox.readFile(path, LIVE_READ).then((bytes) => decoder.decode(bytes), () => null);
      live = liveFileText(this.doc, path) ?? addLiveFile(this.doc, path, existing ?? '', Origin.sandbox);
      if (existing !== null) state.shadow.set(path, existing);
    }
    const edits = computeEdits(live.toString(), content);
    state.writers.set(path, writer);
    const target = live;
    this.doc.transact(() => applyEditsToYText(target, edits), Origin.agent);
    await state.enqueue(path, () => this.pushToSandbox(path, true));
  }

  /** Live files the doc kept from an earlier sandbox of this session go out to this one: the doc is what people wrote. */
  pushKeptLiveFiles(): void {
    for (const path of liveFilePaths(this.doc)) void this.state.enqueue(path, () => this.pushToSandbox(path, true));
  }

  /** Resolves once every pending write of every file has reached the sandbox. */
  async flushAll(): Promise<void> {
    const state = this.state;
    await Promise.all([...new Set([...state.writeTimers.keys(), ...state.chains.keys()])].map((path) => this.flushWrite(path)));
  }

  /** Resolves once every pending write of a path has reached the sandbox. */
  async flushWrite(path: string): Promise<void> {
    const state = this.state;
    const timer = state.writeTimers.get(path);
    if (timer) {
      clearTimeout(timer);
      state.writeTimers.delete(path);
      await state.enqueue(path, () => this.pushToSandbox(path, false));
    }
    await state.chains.get(path);
  }

  /** Writes a live file's text to the sandbox when it differs from what the sandbox has. */
  private async pushToSandbox(path: string, markChanged: boolean): Promise<void> {
    const state = this.state;
    const live = liveFileText(this.doc, path);
    if (!live) return;
    if (live.toString() === state.shadow.get(path) && !markChanged) return;
    // A command may have changed the file since we last looked: merge that in first, never overwrite it.
    let onDisk: string | null;
    try {
      onDisk = decoder.decode(await state.sandbox.readFile(path, LIVE_READ));
    } catch (error) {
      // Grown too large to be live, or made a link or a pipe: the sandbox's change wins; the doc follows it.
      if (isSandboxError(error, 'too-large', 'outside-workspace', 'not-a-file', 'is-directory')) return this.pull.pullFromSandbox(path);
      onDisk = null;
    }
    if (onDisk !== null && state.shadow.has(path) && onDisk !== state.shadow.get(path)) await this.pull.pullFromSandbox(path);
    const text = live.toString();
    if (text !== state.shadow.get(path)) {
      state.shadow.set(path, text);
      await state.sandbox.writeFile(path, text);
    }
    this.doc.transact(() => writeFileInfo(this.doc, path, { ...state.infoFor(path, byteLength(text), true), kind: 'text' }, Origin.sandbox), Origin.sandbox);
    state.removed.delete(path);
  }

  scheduleWrite(path: string, delayMs = DOC_WRITE_DEBOUNCE_MS): void {
    const state = this.state;
    clearTimeout(state.writeTimers.get(path));
    state.writeTimers.set(
      path,
      setTimeout(() => {
        state.writeTimers.delete(path);
        void state.enqueue(path, () => this.pushToSandbox(path, false));
      }, delayMs),
    );
  }

  /** People (and the agent) changed live text: write it to the sandbox after a short pause. */
  readonly onDocFilesChanged = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>, transaction: Y.Transaction): void => {
    const state = this.state;
    const origin: unknown = transaction.origin;
    if (isOrigin(origin, 'sandbox', 'persistence', 'remote-node') || state.stopped) return;
    // Who wrote, from the origin alone (a person's connection is their origin): never from the wire's classes.
    const writer = isOrigin(origin, 'person') ? origin.name : isOrigin(origin, 'agent') ? AGENT_WRITER : undefined;
    const paths = new Set<string>();
    for (const event of events) {
      if (event.target === filesMap(this.doc)) {
        for (const [key, change] of (event as Y.YMapEvent<Y.Text>).changes.keys) if (change.action !== 'delete') paths.add(key);
      } else if (typeof event.path[0] === 'string') {
        // A keystroke in a file: its key in `files` is the first step of the event's path.
        paths.add(event.path[0]);
      }
    }
    for (const path of paths) {
      if (normalizeWorkspacePath(path) !== path || state.isIgnored(path)) continue;
      if (writer) state.writers.set(path, writer);
      this.scheduleWrite(path);
    }
  };
}
