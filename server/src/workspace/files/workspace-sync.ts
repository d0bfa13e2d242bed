import { liveFileText, readFileInfo } from '@tandem/shared/doc/accessors.js';
import { filesMap } from '@tandem/shared/doc/schema.js';
import type { FileChange } from '@tandem/shared/protocol/http.js';
import { shellQuote } from '../../sandbox/shell-quote.js';
import { createWorkspaceIgnore, normalizeWorkspacePath } from './file-kind.js';
import { fileChanges } from './file-changes.js';
import { decoder, FileSyncError, FileSyncState, LIVE_READ, WATCH_START_DELAY_MS, type WorkspaceSyncDeps } from './file-sync-state.js';
import { LiveFiles } from './live-files.js';
import { renameCommand, readRenameResult } from './rename-command.js';
import { SandboxPull } from './sandbox-pull.js';
import { listTree, writeListedTree } from './tree-listing.js';

export {
  AGENT_WRITER,
  DOC_WRITE_DEBOUNCE_MS,
  FileSyncError,
  LISTING_BATCH_MS,
  MAX_AGENT_READ_BYTES,
  MAX_CONCURRENT_SANDBOX_READS,
  SANDBOX_EVENT_DEBOUNCE_MS,
  SANDBOX_WRITER,
  WATCH_START_DELAY_MS,
  type WorkspaceSyncDeps,
} from './file-sync-state.js';

/**
 * Keeps a session's workspace and its doc one: `fileInfo` lists the tree (tree-listing.ts), `files`
 * holds the working set (live-files.ts). Sandbox changes (agent, terminal, scripts) are read and
 * applied to the doc as minimal edits (sandbox-pull.ts), merged with any edits people made meanwhile;
 * people's edits are written to the sandbox after a short pause, never echoed back.
 */
export class WorkspaceSync {
  private readonly state: FileSyncState;
  private readonly pull: SandboxPull;
  private readonly live: LiveFiles;

  constructor(deps: WorkspaceSyncDeps) {
    this.state = new FileSyncState(deps);
    this.pull = new SandboxPull(this.state, (path) => this.live.scheduleWrite(path, 0));
    this.live = new LiveFiles(this.state, this.pull);
  }

  /** Lists the tree into the doc, writes any live text the doc kept (edits survive a new sandbox), then watches. */
  async start(): Promise<void> {
    const state = this.state;
    const gitignore = await state.sandbox.readFile('.gitignore', LIVE_READ).then(
      (bytes) => decoder.decode(bytes),
      () => null,
    );
    state.ignore = createWorkspaceIgnore(gitignore);
    filesMap(state.doc).observeDeep(this.live.onDocFilesChanged);
    const listed = await listTree(state);
    writeListedTree(state, listed);
    // Watching a big tree takes a while to set up, so it starts once the tree is shown; a second
    // listing then catches anything that changed in between. The sync counts as started only once
    // it watches, so nobody (the agent, a person's first edit) acts on a workspace nobody watches.
    await new Promise((resolve) => setTimeout(resolve, WATCH_START_DELAY_MS));
    await this.pull.watchAndReconcile(listed);
    // Live files the doc kept from an earlier sandbox of this session: the doc is what people wrote.
    this.live.pushKeptLiveFiles();
    await Promise.all([...state.chains.values()]);
  }

  stop(): void {
    const state = this.state;
    state.stopped = true;
    this.pull.stop();
    filesMap(state.doc).unobserveDeep(this.live.onDocFilesChanged);
    for (const timer of [...state.eventTimers.values(), ...state.writeTimers.values()]) clearTimeout(timer);
    if (state.listingTimer) clearTimeout(state.listingTimer);
    state.deps.releaseDoc?.();
  }

  /** Loads a file into the working set so it can be edited together (any role may open). */
  open(rawPath: string): Promise<void> {
    return this.live.open(this.state.requirePath(rawPath));
  }

  /** The current text of a file: the doc's, with people's unsaved keystrokes, when it is live. */
  async readText(rawPath: string): Promise<Uint8Array> {
    return this.live.readText(this.state.requirePath(rawPath));
  }

  /**
   * The agent writes a file: as minimal edits on the live text (so a person typing in it keeps their
   * keystrokes), then to the sandbox before this resolves, so the agent's next command sees it.
   */
  async writeText(rawPath: string, content: string, writer: string): Promise<void> {
    return this.live.writeText(this.state.requirePath(rawPath), content, writer);
  }

  /** Who last changed a file in the doc (a person's name, the agent, or the sandbox). */
  lastWriter(rawPath: string): string | undefined {
    const path = normalizeWorkspacePath(rawPath);
    return path ? (this.state.writers.get(path) ?? readFileInfo(this.state.doc, path)?.lastWriter) : undefined;
  }

  async remove(rawPath: string): Promise<void> {
    const path = this.state.requirePath(rawPath);
    const result = await this.state.sandbox.exec(`rm -rf -- ${shellQuote(path)}`, { timeoutMs: 30_000 });
    if (result.exitCode !== 0) throw new Error(`could not delete ${path}: ${result.stderr.trim()}`);
    await this.state.enqueue(path, () => this.pull.pullFromSandbox(path));
  }

  async rename(rawFrom: string, rawTo: string): Promise<void> {
    const state = this.state;
    const from = state.requirePath(rawFrom);
    const to = state.requirePath(rawTo);
    await this.live.flushWrite(from);
    const outcome = readRenameResult(await state.sandbox.exec(renameCommand(from, to), { timeoutMs: 30_000 }), from, to);
    if (outcome.kind === 'link') throw new FileSyncError(outcome.message, 'invalid-path');
    if (outcome.kind === 'missing') throw new FileSyncError(`${from} does not exist`, 'not-found');
    if (outcome.kind === 'failed') throw new Error(`could not rename ${from}: ${outcome.detail}`);
    const wasLive = liveFileText(state.doc, from) !== undefined;
    await state.enqueue(from, () => this.pull.pullFromSandbox(from));
    await state.enqueue(to, () => this.pull.pullFromSandbox(to, wasLive));
  }

  /** Files changed in this session against the snapshot, each with a unified diff. */
  changes(): Promise<FileChange[]> {
    return fileChanges(this.state);
  }

  /** Resolves once every pending write of every file has reached the sandbox. */
  flushAll(): Promise<void> {
    return this.live.flushAll();
  }

  /** Resolves once every pending write of a path has reached the sandbox. */
  flushWrite(path: string): Promise<void> {
    return this.live.flushWrite(path);
  }
}
