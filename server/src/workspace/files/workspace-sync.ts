/* Over 350 lines as it came to this change (which moved the rename out into rename-command.ts): the file sync's watch, write and working-set halves are to split with issue 18. */
import { createTwoFilesPatch } from 'diff';
import type * as Y from 'yjs';
import {
  addLiveFile,
  appendTranscriptEntry,
  liveFilePaths,
  liveFileText,
  readFileInfo,
  removeFile,
  removeLiveFile,
  writeFileInfo,
} from '@tandem/shared/doc/accessors.js';
import { DocOrigin } from '@tandem/shared/doc/origins.js';
import { fileInfoMap, filesMap, type FileInfo } from '@tandem/shared/doc/schema.js';
import { MAX_FILE_INFO_ENTRIES, MAX_LIVE_FILE_BYTES, MAX_LIVE_FILES } from '@tandem/shared/limits.js';
import type { FileChange } from '@tandem/shared/protocol/http.js';
import { SandboxError, type Sandbox } from '../../sandbox/provider.js';
import { shellQuote } from '../../sandbox/shell-quote.js';
import { SyncConnection } from '../../sync/sync-connection.js';
import { classifyContent, createWorkspaceIgnore, guessKind, normalizeWorkspacePath } from './file-kind.js';
import { renameCommand, readRenameResult } from './rename-command.js';
import { applyEdits, applyEditsToYText, computeEdits, rebaseEdits } from './text-edits.js';

/** Quiet time after a sandbox change to a path before it is read (editors write in bursts). */
export const SANDBOX_EVENT_DEBOUNCE_MS = 25;
/** Quiet time after a person's keystrokes before the file is written to the sandbox. */
export const DOC_WRITE_DEBOUNCE_MS = 40;
/** What the tree says wrote a file when a command in the sandbox changed it. */
export const SANDBOX_WRITER = 'sandbox';
export const AGENT_WRITER = 'Claude';
/**
 * Setting up a recursive watch of a big tree blocks for a moment (0.6 s for 20,000 files), so it
 * starts just after the tree has gone out to the viewers; a second listing catches what changed meanwhile.
 */
export const WATCH_START_DELAY_MS = 100;
/** The most the agent's read_file (and the server for it) reads of a file that is not live; beyond it, the terminal. */
export const MAX_AGENT_READ_BYTES = 8 * 1024 * 1024;
/**
 * Sandbox changes read at once per session. A sandbox can make files by the ten thousand; without a
 * bound, their reads would queue ahead of every other session's in the server's I/O threads.
 */
export const MAX_CONCURRENT_SANDBOX_READS = 8;
/** Changed files that are listed but not live reach the tree together, at most this long after they were read. */
export const LISTING_BATCH_MS = 50;

export class FileSyncError extends Error {
  constructor(
    message: string,
    readonly reason: 'invalid-path' | 'not-found' | 'binary' | 'too-large',
  ) {
    super(message);
  }
}

export interface WorkspaceSyncDeps {
  sessionId: string;
  sandbox: Sandbox;
  doc: Y.Doc;
  /** Lets the doc unload again; called once, when the sync stops. */
  releaseDoc?: () => void;
  logger: { error(message: string, error?: unknown): void };
}

const decoder = new TextDecoder();
const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');
const isSandboxError = (error: unknown, ...codes: SandboxError['code'][]): error is SandboxError => error instanceof SandboxError && codes.includes(error.code);
/** Bounded reads: a file that could never be live is not pulled into the server's memory to find that out. */
const LIVE_READ = { maxBytes: MAX_LIVE_FILE_BYTES } as const;

/**
 * Keeps a session's workspace and its doc one: `fileInfo` lists the tree, `files` holds the working
 * set. Sandbox changes (agent, terminal, scripts) are read and applied to the doc as minimal edits
 * (origin `sandbox`), merged with any edits people made meanwhile; people's edits are written to the
 * sandbox after a short pause, never echoed back.
 */
export class WorkspaceSync {
  /** Per live path: the content the doc and the sandbox last agreed on (the base of a merge). */
  private readonly shadow = new Map<string, string>();
  /** Per path: who last changed it in the doc. */
  private readonly writers = new Map<string, string>();
  /** Paths that existed in the snapshot and were removed in this session (for the changes view). */
  private readonly removed = new Set<string>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly eventTimers = new Map<string, NodeJS.Timeout>();
  private readonly writeTimers = new Map<string, NodeJS.Timeout>();
  private readonly openedOrder: string[] = [];
  private readonly readSlots = createSlots(MAX_CONCURRENT_SANDBOX_READS);
  /** Tree entries waiting to be written in one doc update (a flood of new files is one update, not thousands). */
  private readonly pendingListings = new Map<string, FileInfo>();
  private listingTimer: NodeJS.Timeout | null = null;
  private ignore = createWorkspaceIgnore(null);
  private stopWatching: (() => void) | null = null;
  private stopped = false;

  constructor(private readonly deps: WorkspaceSyncDeps) {}

  private get doc(): Y.Doc {
    return this.deps.doc;
  }

  /** Lists the tree into the doc, writes any live text the doc kept (edits survive a new sandbox), then watches. */
  async start(): Promise<void> {
    const gitignore = await this.deps.sandbox.readFile('.gitignore', LIVE_READ).then(
      (bytes) => decoder.decode(bytes),
      () => null,
    );
    this.ignore = createWorkspaceIgnore(gitignore);
    filesMap(this.doc).observeDeep(this.onDocFilesChanged);
    const listed = await this.listTree();
    this.doc.transact(() => {
      const tree = fileInfoMap(this.doc);
      for (const path of [...tree.keys()]) {
        if (!listed.has(path) && !liveFileText(this.doc, path)) tree.delete(path);
      }
      for (const [path, size] of listed) {
        const known = tree.has(path) ? readFileInfo(this.doc, path) : undefined;
        writeFileInfo(
          this.doc,
          path,
          { size, kind: known?.kind ?? guessKind(path, size), changedInSession: known?.changedInSession ?? false, lastWriter: known?.lastWriter },
          DocOrigin.Sandbox,
        );
      }
    }, DocOrigin.Sandbox);
    // Watching a big tree takes a while to set up, so it starts once the tree is shown; a second
    // listing then catches anything that changed in between. The sync counts as started only once
    // it watches, so nobody (the agent, a person's first edit) acts on a workspace nobody watches.
    await new Promise((resolve) => setTimeout(resolve, WATCH_START_DELAY_MS));
    await this.watchAndReconcile(listed);
    // Live files the doc kept from an earlier sandbox of this session: the doc is what people wrote.
    for (const path of liveFilePaths(this.doc)) this.enqueue(path, () => this.pushToSandbox(path, true));
    await Promise.all([...this.chains.values()]);
  }

  private async watchAndReconcile(listed: Map<string, number>): Promise<void> {
    if (this.stopped) return;
    await new Promise<void>((resolve) => {
      this.stopWatching = this.deps.sandbox.watch((event) => this.onSandboxEvent(event.path), { onReady: resolve });
    });
    const again = await this.listTree();
    for (const [path, size] of again) if (listed.get(path) !== size) this.onSandboxEvent(path);
    for (const path of listed.keys()) if (!again.has(path)) this.onSandboxEvent(path);
  }

  /** Every file of the tree that is not ignored, with its size (capped at MAX_FILE_INFO_ENTRIES). */
  private async listTree(): Promise<Map<string, number>> {
    const entries = await this.deps.sandbox.listFiles('.', { recursive: true, maxEntries: MAX_FILE_INFO_ENTRIES * 2 });
    const files = entries.filter((entry) => entry.kind === 'file' && !this.isIgnored(entry.path)).slice(0, MAX_FILE_INFO_ENTRIES);
    return new Map(files.map((entry) => [entry.path, entry.size]));
  }

  stop(): void {
    this.stopped = true;
    this.stopWatching?.();
    filesMap(this.doc).unobserveDeep(this.onDocFilesChanged);
    for (const timer of [...this.eventTimers.values(), ...this.writeTimers.values()]) clearTimeout(timer);
    if (this.listingTimer) clearTimeout(this.listingTimer);
    this.deps.releaseDoc?.();
  }

  /** Loads a file into the working set so it can be edited together (any role may open). */
  async open(rawPath: string): Promise<void> {
    const path = this.requirePath(rawPath);
    this.pendingListings.delete(path);
    if (liveFileText(this.doc, path)) return this.touchOpened(path);
    let bytes: Uint8Array;
    try {
      bytes = await this.deps.sandbox.readFile(path, LIVE_READ);
    } catch (error) {
      if (isSandboxError(error, 'not-found')) throw new FileSyncError(`${path} does not exist`, 'not-found');
      if (isSandboxError(error, 'outside-workspace', 'is-directory', 'not-a-file')) throw new FileSyncError(error.message, 'invalid-path');
      if (isSandboxError(error, 'too-large')) {
        this.markTooLarge(path, error.sizeBytes ?? MAX_LIVE_FILE_BYTES + 1);
        throw new FileSyncError(`${path} is too large to edit live; open it in the terminal`, 'too-large');
      }
      throw error;
    }
    const kind = classifyContent(bytes);
    this.doc.transact(() => writeFileInfo(this.doc, path, { ...this.infoFor(path, bytes.byteLength), kind }, DocOrigin.Sandbox), DocOrigin.Sandbox);
    if (kind === 'binary') throw new FileSyncError(`${path} is a binary file; it can’t be edited here`, 'binary');
    if (kind === 'too-large') throw new FileSyncError(`${path} is too large to edit live; open it in the terminal`, 'too-large');
    if (!liveFileText(this.doc, path)) {
      const text = decoder.decode(bytes);
      addLiveFile(this.doc, path, text, DocOrigin.Sandbox);
      this.shadow.set(path, text);
    }
    this.touchOpened(path);
  }

  /** The current text of a file: the doc's, with people's unsaved keystrokes, when it is live. */
  async readText(rawPath: string): Promise<Uint8Array> {
    const path = this.requirePath(rawPath);
    const live = liveFileText(this.doc, path);
    if (live) return new TextEncoder().encode(live.toString());
    return this.deps.sandbox.readFile(path, { maxBytes: MAX_AGENT_READ_BYTES });
  }

  /**
   * The agent writes a file: as minimal edits on the live text (so a person typing in it keeps their
   * keystrokes), then to the sandbox before this resolves, so the agent's next command sees it.
   */
  async writeText(rawPath: string, content: string, writer: string): Promise<void> {
    const path = this.requirePath(rawPath);
    if (classifyContent(new TextEncoder().encode(content)) !== 'text') {
      // Too big (or not text) to be live: straight to the sandbox; the watcher updates the tree.
      await this.deps.sandbox.writeFile(path, content);
      return;
    }
    let live = liveFileText(this.doc, path);
    if (!live) {
      const existing = await this.deps.sandbox.readFile(path, LIVE_READ).then((bytes) => decoder.decode(bytes), () => null);
      live = liveFileText(this.doc, path) ?? addLiveFile(this.doc, path, existing ?? '', DocOrigin.Sandbox);
      if (existing !== null) this.shadow.set(path, existing);
    }
    const edits = computeEdits(live.toString(), content);
    this.writers.set(path, writer);
    const target = live;
    this.doc.transact(() => applyEditsToYText(target, edits), DocOrigin.Agent);
    await this.enqueue(path, () => this.pushToSandbox(path, true));
  }

  /** Like readText, but only as much as a live file may hold (the changes view diffs only those). */
  private async readLiveText(path: string): Promise<Uint8Array> {
    const live = liveFileText(this.doc, path);
    if (live) return new TextEncoder().encode(live.toString());
    return this.deps.sandbox.readFile(path, LIVE_READ);
  }

  /** Records a file as too large to be live (with the size seen), and drops it from the working set. */
  private markTooLarge(path: string, sizeBytes: number, changedBySandbox = false): void {
    this.pendingListings.delete(path);
    const info = changedBySandbox ? { ...this.infoFor(path, sizeBytes, true), lastWriter: SANDBOX_WRITER } : this.infoFor(path, sizeBytes);
    this.doc.transact(() => {
      writeFileInfo(this.doc, path, { ...info, kind: 'too-large' }, DocOrigin.Sandbox);
      if (liveFileText(this.doc, path)) removeLiveFile(this.doc, path, DocOrigin.Sandbox);
    }, DocOrigin.Sandbox);
    this.shadow.delete(path);
  }

  /** Who last changed a file in the doc (a person's name, the agent, or the sandbox). */
  lastWriter(rawPath: string): string | undefined {
    const path = normalizeWorkspacePath(rawPath);
    return path ? (this.writers.get(path) ?? readFileInfo(this.doc, path)?.lastWriter) : undefined;
  }

  async remove(rawPath: string): Promise<void> {
    const path = this.requirePath(rawPath);
    const result = await this.deps.sandbox.exec(`rm -rf -- ${shellQuote(path)}`, { timeoutMs: 30_000 });
    if (result.exitCode !== 0) throw new Error(`could not delete ${path}: ${result.stderr.trim()}`);
    await this.enqueue(path, () => this.pullFromSandbox(path));
  }

  async rename(rawFrom: string, rawTo: string): Promise<void> {
    const from = this.requirePath(rawFrom);
    const to = this.requirePath(rawTo);
    await this.flushWrite(from);
    const outcome = readRenameResult(await this.deps.sandbox.exec(renameCommand(from, to), { timeoutMs: 30_000 }), from, to);
    if (outcome.kind === 'link') throw new FileSyncError(outcome.message, 'invalid-path');
    if (outcome.kind === 'missing') throw new FileSyncError(`${from} does not exist`, 'not-found');
    if (outcome.kind === 'failed') throw new Error(`could not rename ${from}: ${outcome.detail}`);
    const wasLive = liveFileText(this.doc, from) !== undefined;
    await this.enqueue(from, () => this.pullFromSandbox(from));
    await this.enqueue(to, () => this.pullFromSandbox(to, wasLive));
  }

  /** Files changed in this session against the snapshot, each with a unified diff. */
  async changes(): Promise<FileChange[]> {
    const changes: FileChange[] = [];
    const sandbox = this.deps.sandbox;
    const readBase = sandbox.readBaseFile ? (path: string) => sandbox.readBaseFile!(path, LIVE_READ) : undefined;
    for (const [path, entry] of fileInfoMap(this.doc).entries()) {
      if (entry.get('changedInSession') !== true) continue;
      // Over the live limit on either side: listed as modified, without a diff (never read whole).
      if (entry.get('kind') === 'too-large') {
        changes.push({ path, status: 'modified', lastWriter: (entry.get('lastWriter') as string | undefined) ?? undefined, diff: null });
        continue;
      }
      const base = readBase ? await readBase(path).catch(() => null) : null;
      const current = await this.readLiveText(path).catch(() => null);
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
    for (const path of this.removed) {
      if (fileInfoMap(this.doc).has(path)) continue;
      const base = readBase ? await readBase(path).catch(() => null) : null;
      if (!base) continue;
      const textual = classifyContent(base) === 'text';
      changes.push({ path, status: 'deleted', diff: textual ? createTwoFilesPatch(`a/${path}`, `b/${path}`, decoder.decode(base), '', '', '', { context: 3 }) : null });
    }
    return changes.sort((left, right) => left.path.localeCompare(right.path));
  }

  /** Resolves once every pending write of every file has reached the sandbox. */
  async flushAll(): Promise<void> {
    await Promise.all([...new Set([...this.writeTimers.keys(), ...this.chains.keys()])].map((path) => this.flushWrite(path)));
  }

  /** Resolves once every pending write of a path has reached the sandbox. */
  async flushWrite(path: string): Promise<void> {
    const timer = this.writeTimers.get(path);
    if (timer) {
      clearTimeout(timer);
      this.writeTimers.delete(path);
      await this.enqueue(path, () => this.pushToSandbox(path, false));
    }
    await this.chains.get(path);
  }

  private requirePath(raw: string): string {
    const path = normalizeWorkspacePath(raw);
    if (!path || this.isIgnored(path)) throw new FileSyncError(`${raw} is not a workspace file path`, 'invalid-path');
    return path;
  }

  private isIgnored(path: string): boolean {
    return this.ignore.ignores(path);
  }

  private infoFor(path: string, size: number, changed?: boolean) {
    const known = readFileInfo(this.doc, path);
    return {
      size,
      kind: known?.kind ?? guessKind(path, size),
      changedInSession: changed ?? known?.changedInSession ?? false,
      lastWriter: this.writers.get(path) ?? known?.lastWriter,
    };
  }

  /** Runs sandbox work for one path in order (a read never overtakes a write of the same file). */
  private enqueue(path: string, work: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(path) ?? Promise.resolve())
      .then(() => (this.stopped ? undefined : work()))
      .catch((error: unknown) => this.deps.logger.error(`file sync of ${path} failed`, error));
    this.chains.set(path, next);
    void next.finally(() => {
      if (this.chains.get(path) === next) this.chains.delete(path);
    });
    return next;
  }

  private onSandboxEvent(rawPath: string): void {
    const path = normalizeWorkspacePath(rawPath);
    if (!path || this.isIgnored(path) || this.stopped) return;
    clearTimeout(this.eventTimers.get(path));
    this.eventTimers.set(
      path,
      setTimeout(() => {
        this.eventTimers.delete(path);
        void this.enqueue(path, () => this.readSlots.run(() => this.pullFromSandbox(path)));
      }, SANDBOX_EVENT_DEBOUNCE_MS),
    );
  }

  /** Reads a path the sandbox changed and brings the doc up to date with it. */
  private async pullFromSandbox(path: string, makeLive = false): Promise<void> {
    // Whatever this read finds is newer than a listing still waiting to be written.
    this.pendingListings.delete(path);
    let bytes: Uint8Array;
    try {
      bytes = await this.deps.sandbox.readFile(path, LIVE_READ);
    } catch (error) {
      if (isSandboxError(error, 'is-directory') || (error as NodeJS.ErrnoException).code === 'EISDIR') {
        // A folder appeared (created, or moved here): its files are what the tree lists.
        const inside = await this.deps.sandbox.listFiles(path, { recursive: true, maxEntries: MAX_FILE_INFO_ENTRIES });
        for (const entry of inside) if (entry.kind === 'file') this.onSandboxEvent(entry.path);
        return;
      }
      if (isSandboxError(error, 'too-large')) {
        this.markTooLarge(path, error.sizeBytes ?? MAX_LIVE_FILE_BYTES + 1, true);
        return;
      }
      // Gone, or now a link or a pipe: no longer a file of the tree (a link is never followed).
      if (!isSandboxError(error, 'not-found', 'outside-workspace', 'not-a-file')) throw error;
      const prefix = `${path}/`;
      for (const waiting of [...this.pendingListings.keys()]) if (waiting.startsWith(prefix)) this.pendingListings.delete(waiting);
      const gone = [...fileInfoMap(this.doc).keys()].filter((known) => known === path || known.startsWith(prefix));
      this.doc.transact(() => gone.forEach((known) => removeFile(this.doc, known, DocOrigin.Sandbox)), DocOrigin.Sandbox);
      for (const known of gone) {
        this.shadow.delete(known);
        this.removed.add(known);
      }
      return;
    }
    const kind = classifyContent(bytes);
    const live = liveFileText(this.doc, path);
    if (kind !== 'text') {
      this.doc.transact(() => {
        writeFileInfo(this.doc, path, { ...this.infoFor(path, bytes.byteLength, true), kind, lastWriter: SANDBOX_WRITER }, DocOrigin.Sandbox);
        if (live) removeLiveFile(this.doc, path, DocOrigin.Sandbox);
      }, DocOrigin.Sandbox);
      this.shadow.delete(path);
      return;
    }
    const text = decoder.decode(bytes);
    const shadow = this.shadow.get(path);
    if (live && text === shadow) return; // our own write coming back, or no change
    if (!live && !fileInfoMap(this.doc).has(path) && fileInfoMap(this.doc).size + this.pendingListings.size >= MAX_FILE_INFO_ENTRIES) return; // the tree is full
    if (!live && readFileInfo(this.doc, path)?.size === bytes.byteLength && !makeLive && shadow === undefined) {
      // Touched but maybe unchanged (e.g. `touch`, or a build rewriting the same bytes): compare with the snapshot.
      const base = await this.deps.sandbox.readBaseFile?.(path).catch(() => null);
      if (base && Buffer.from(base).equals(Buffer.from(bytes))) return;
    }
    if (!live && !makeLive && !this.hasRoomForLiveFile(path)) {
      // The working set is full of files changed in this session: this one is listed (changed), not live.
      this.listLater(path, { ...this.infoFor(path, bytes.byteLength, true), kind: 'text', lastWriter: SANDBOX_WRITER });
      this.removed.delete(path);
      return;
    }
    let conflicted = false;
    this.doc.transact(() => {
      writeFileInfo(this.doc, path, { ...this.infoFor(path, bytes.byteLength, true), kind: 'text', lastWriter: SANDBOX_WRITER }, DocOrigin.Sandbox);
      if (!live) {
        addLiveFile(this.doc, path, text, DocOrigin.Sandbox);
        return;
      }
      const current = live.toString();
      const base = shadow ?? current;
      const rebased = rebaseEdits(computeEdits(base, current), computeEdits(base, text));
      conflicted = rebased.conflicted;
      applyEditsToYText(live, rebased.edits);
      if (applyEdits(current, rebased.edits) !== text) this.scheduleWrite(path, 0); // people's pending edits go back out merged
    }, DocOrigin.Sandbox);
    this.shadow.set(path, text);
    this.removed.delete(path);
    this.touchOpened(path);
    if (conflicted) {
      const who = this.writers.get(path) ?? 'A person';
      appendTranscriptEntry(
        this.doc,
        {
          kind: 'system-notice',
          id: `n_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
          level: 'warning',
          text: `${who} and a change in the sandbox edited the same part of ${path} at once; both edits were kept. Check the merged lines.`,
          createdAt: Date.now(),
        },
        DocOrigin.Sandbox,
      );
    }
  }

  /** Writes a live file's text to the sandbox when it differs from what the sandbox has. */
  private async pushToSandbox(path: string, markChanged: boolean): Promise<void> {
    const live = liveFileText(this.doc, path);
    if (!live) return;
    if (live.toString() === this.shadow.get(path) && !markChanged) return;
    // A command may have changed the file since we last looked: merge that in first, never overwrite it.
    let onDisk: string | null;
    try {
      onDisk = decoder.decode(await this.deps.sandbox.readFile(path, LIVE_READ));
    } catch (error) {
      // Grown too large to be live, or made a link or a pipe: the sandbox's change wins; the doc follows it.
      if (isSandboxError(error, 'too-large', 'outside-workspace', 'not-a-file', 'is-directory')) return this.pullFromSandbox(path);
      onDisk = null;
    }
    if (onDisk !== null && this.shadow.has(path) && onDisk !== this.shadow.get(path)) await this.pullFromSandbox(path);
    const text = live.toString();
    if (text !== this.shadow.get(path)) {
      this.shadow.set(path, text);
      await this.deps.sandbox.writeFile(path, text);
    }
    this.doc.transact(() => writeFileInfo(this.doc, path, { ...this.infoFor(path, byteLength(text), true), kind: 'text' }, DocOrigin.Sandbox), DocOrigin.Sandbox);
    this.removed.delete(path);
  }

  private scheduleWrite(path: string, delayMs = DOC_WRITE_DEBOUNCE_MS): void {
    clearTimeout(this.writeTimers.get(path));
    this.writeTimers.set(
      path,
      setTimeout(() => {
        this.writeTimers.delete(path);
        void this.enqueue(path, () => this.pushToSandbox(path, false));
      }, delayMs),
    );
  }

  /** People (and the agent) changed live text: write it to the sandbox after a short pause. */
  private readonly onDocFilesChanged = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>, transaction: Y.Transaction): void => {
    const origin: unknown = transaction.origin;
    if (origin === DocOrigin.Sandbox || origin === DocOrigin.Persistence || origin === DocOrigin.RemoteNode || this.stopped) return;
    const writer = origin instanceof SyncConnection ? origin.access.identity.name : origin === DocOrigin.Agent ? AGENT_WRITER : undefined;
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
      if (normalizeWorkspacePath(path) !== path || this.isIgnored(path)) continue;
      if (writer) this.writers.set(path, writer);
      this.scheduleWrite(path);
    }
  };

  private listLater(path: string, info: FileInfo): void {
    this.pendingListings.set(path, info);
    this.listingTimer ??= setTimeout(() => {
      this.listingTimer = null;
      const batch = [...this.pendingListings];
      this.pendingListings.clear();
      if (this.stopped) return;
      this.doc.transact(() => {
        // A file that became live meanwhile has its own, newer entry.
        for (const [listed, entry] of batch) if (!liveFileText(this.doc, listed)) writeFileInfo(this.doc, listed, entry, DocOrigin.Sandbox);
      }, DocOrigin.Sandbox);
    }, LISTING_BATCH_MS);
  }

  /** Whether `path` can join the working set without passing MAX_LIVE_FILES (an unchanged file could leave for it). */
  private hasRoomForLiveFile(path: string): boolean {
    if (liveFilePaths(this.doc).length < MAX_LIVE_FILES) return true;
    return this.openedOrder.some((candidate) => candidate !== path && liveFileText(this.doc, candidate) !== undefined && !readFileInfo(this.doc, candidate)?.changedInSession);
  }

  /** Keeps the working set bounded: unchanged files opened longest ago leave it first. */
  private touchOpened(path: string): void {
    const index = this.openedOrder.indexOf(path);
    if (index >= 0) this.openedOrder.splice(index, 1);
    this.openedOrder.push(path);
    let live = liveFilePaths(this.doc).length;
    for (const candidate of [...this.openedOrder]) {
      if (live <= MAX_LIVE_FILES) break;
      if (candidate === path || readFileInfo(this.doc, candidate)?.changedInSession) continue;
      removeLiveFile(this.doc, candidate, DocOrigin.Sandbox);
      this.shadow.delete(candidate);
      this.openedOrder.splice(this.openedOrder.indexOf(candidate), 1);
      live -= 1;
    }
  }
}

/** At most `count` of the given jobs run at once; the rest wait their turn, in order. */
function createSlots(count: number) {
  let free = count;
  const waiting: Array<() => void> = [];
  return {
    async run<T>(job: () => Promise<T>): Promise<T> {
      if (free === 0) await new Promise<void>((resolve) => waiting.push(resolve));
      else free -= 1;
      try {
        return await job();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else free += 1;
      }
    },
  };
}
