import { watch, type FSWatcher } from 'node:fs';
import { open, readdir, type FileHandle } from 'node:fs/promises';
import { DIRECTORY_FLAGS, MAX_LISTING_DEPTH, openDirectory, through } from './host-files.js';

/** Folders one sandbox's watcher follows at most (one inotify watch each; the host's budget is shared by every session). */
export const MAX_WATCHED_DIRECTORIES = 10_000;
/**
 * Entries that appeared, looked at (is it a folder to watch?) at most this many at a time: a sandbox
 * making files by the thousand queues its work here instead of flooding the server with opens.
 */
export const MAX_CONCURRENT_NEW_ENTRY_CHECKS = 4;

export interface TreeWatcherOptions {
  /** A directory the server made (the workspace); everything under it is the sandbox's. */
  rootDir: string;
  /** A path under the root changed (created, written, removed, renamed). */
  onChange(relativePath: string): void;
  /** Top-level names not watched (with everything under them). */
  skipTopLevel?: ReadonlySet<string>;
  maxDirectories?: number;
  /** Called once every folder there was at the start is watched. */
  onReady?(): void;
}

/**
 * Watches a tree folder by folder: one inotify watch per folder (its events name the entries that
 * changed), never per file. Each folder is opened with O_NOFOLLOW through its parent's descriptor and
 * watched through /proc/self/fd/<fd>, so the watch lands on that very folder even if the sandbox
 * swaps it for a link a moment later; a link is never entered, whichever way it points. (Node's own
 * recursive watch on Linux watches every file by name and follows links.)
 */
export function watchTree(options: TreeWatcherOptions): () => void {
  const maxDirectories = options.maxDirectories ?? MAX_WATCHED_DIRECTORIES;
  const watchers = new Map<string, FSWatcher>();
  const adding = new Set<string>();
  /** Entries waiting to be looked at, in order, each once. */
  const waitingNew = new Set<string>();
  let checking = 0;
  let closed = false;

  const join = (directory: string, name: string) => (directory ? `${directory}/${name}` : name);
  const skipped = (relativePath: string) => options.skipTopLevel?.has(relativePath.split('/')[0]!) ?? false;

  function forget(relativeDirectory: string): void {
    // A folder is watched before anything under it, so nothing below an unwatched path is watched:
    // the common case (a file came or went) costs one lookup, not a pass over every watch.
    if (!watchers.has(relativeDirectory)) return;
    for (const [watched, watcher] of watchers) {
      if (watched === relativeDirectory || watched.startsWith(`${relativeDirectory}/`)) {
        watcher.close();
        watchers.delete(watched);
      }
    }
  }

  /** Watches an open folder, then its subfolders (after watching, so nothing made in between is missed). */
  async function follow(directory: FileHandle, relativeDirectory: string, depth: number, announceEntries: boolean): Promise<void> {
    if (closed || watchers.has(relativeDirectory) || watchers.size >= maxDirectories) return;
    const watcher = watch(`/proc/self/fd/${directory.fd}`, { persistent: false }, (event, name) => {
      if (name) void onEvent(relativeDirectory, name, event === 'rename');
    });
    watcher.on('error', () => forget(relativeDirectory));
    watchers.set(relativeDirectory, watcher);
    const entries = await readdir(`/proc/self/fd/${directory.fd}`, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const relativePath = join(relativeDirectory, entry.name);
      if (closed || skipped(relativePath)) continue;
      if (announceEntries) options.onChange(relativePath);
      if (!entry.isDirectory() || depth >= MAX_LISTING_DEPTH) continue;
      // One folder at a time: open descriptors stay bounded by the depth.
      const child = await open(through(directory, entry.name), DIRECTORY_FLAGS).catch(() => null);
      if (!child) continue;
      try {
        await follow(child, relativePath, depth + 1, announceEntries);
      } finally {
        await child.close();
      }
    }
  }

  /** A folder that appeared (made, or moved here) is watched, and its entries announced as changed. */
  async function followNew(relativeDirectory: string): Promise<void> {
    if (adding.has(relativeDirectory)) return;
    adding.add(relativeDirectory);
    try {
      const parts = relativeDirectory.split('/');
      const directory = await openDirectory(options.rootDir, parts).catch(() => null);
      if (!directory) {
        // Gone, or now a file or a link: whatever was watched there is not any more.
        forget(relativeDirectory);
        return;
      }
      try {
        await follow(directory, relativeDirectory, parts.length, true);
      } finally {
        await directory.close();
      }
    } finally {
      adding.delete(relativeDirectory);
    }
  }

  async function onEvent(relativeDirectory: string, name: string, entriesChanged: boolean): Promise<void> {
    const relativePath = join(relativeDirectory, name);
    if (closed || skipped(relativePath)) return;
    options.onChange(relativePath);
    // Only a create, delete or rename can turn an entry into a folder or take one away.
    if (entriesChanged) {
      forget(relativePath);
      waitingNew.add(relativePath);
      await checkWaiting();
    }
  }

  async function checkWaiting(): Promise<void> {
    while (!closed && checking < MAX_CONCURRENT_NEW_ENTRY_CHECKS && waitingNew.size > 0) {
      const next = waitingNew.values().next().value as string;
      waitingNew.delete(next);
      checking += 1;
      try {
        await followNew(next);
      } finally {
        checking -= 1;
      }
    }
  }

  void openDirectory(options.rootDir, [])
    .then(async (root) => {
      try {
        await follow(root, '', 0, false);
      } finally {
        await root.close();
      }
    })
    .catch(() => {})
    .finally(() => options.onReady?.());

  return () => {
    closed = true;
    waitingNew.clear();
    for (const watcher of watchers.values()) watcher.close();
    watchers.clear();
  };
}
