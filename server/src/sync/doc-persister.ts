import * as Y from 'yjs';
import { isOrigin, Origin } from '@tandem/shared/doc/origins.js';
import type { DocStore } from './doc-store.js';

/** Rows appended since the last compaction before the log is folded into one row. */
export const COMPACT_AFTER_UPDATES = 200;
/** Wait before retrying a failed write; edits stay queued in memory meanwhile. */
export const PERSIST_RETRY_DELAY_MS = 1000;

export interface DocPersister {
  /** Bytes the persisted doc takes, as appended so far (exact right after compaction). */
  readonly persistedBytes: number;
  /** How many updates the persister has taken from the doc so far, in the order they happened. */
  readonly seen: number;
  /** How many of those the store has committed: the first `stored` of `seen`. */
  readonly stored: number;
  /** Calls `listener` with the new `stored` after every committed write. */
  onStored(listener: (stored: number) => void): void;
  /** Resolves once every update seen so far is in the store. */
  flush(): Promise<void>;
  detach(): void;
}

export interface PersisterLogger {
  error(message: string, error: unknown): void;
}

/**
 * Loads a session doc from the store, then appends each later update and compacts the log every
 * COMPACT_AFTER_UPDATES rows. Group commit: everything that arrives in one event-loop turn, or while
 * a write is in flight, goes into one store write, so a burst of keystrokes costs a few commits, not
 * one each. Updates that came from the store or from another node (which persisted them itself) are
 * not written again. Listen on the doc before anyone else who needs `seen` to include an update.
 */
export async function loadPersistedDoc(
  store: DocStore,
  sessionId: string,
  doc: Y.Doc,
  logger: PersisterLogger,
): Promise<DocPersister> {
  const loaded = await store.load(sessionId);
  let persistedBytes = 0;
  Y.transact(
    doc,
    () => {
      for (const update of loaded.updates) {
        Y.applyUpdate(doc, update, Origin.persistence);
        persistedBytes += update.byteLength;
      }
    },
    Origin.persistence,
  );

  let lastId = loaded.lastId;
  let rowsSinceCompaction = loaded.updates.length;
  let pending: Uint8Array[] = [];
  let seen = 0;
  let stored = 0;
  const storedListeners: Array<(stored: number) => void> = [];
  let writing: Promise<void> | null = null;
  let nextTurn: NodeJS.Immediate | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let detached = false;

  const writeLoop = async (): Promise<void> => {
    while (pending.length > 0) {
      const batch = pending.length === 1 ? pending[0]! : Y.mergeUpdates(pending);
      // Every update seen so far is in this batch (an earlier failed batch is merged back in first).
      const through = seen;
      pending = [];
      try {
        lastId = await store.append(sessionId, batch);
        persistedBytes += batch.byteLength;
        stored = through;
        for (const listener of storedListeners) listener(stored);
        rowsSinceCompaction += 1;
        if (rowsSinceCompaction >= COMPACT_AFTER_UPDATES) {
          const state = Y.encodeStateAsUpdate(doc);
          await store.compact(sessionId, state, lastId);
          persistedBytes = state.byteLength;
          rowsSinceCompaction = 1;
        }
      } catch (error) {
        // Keep the batch: it goes first on the next attempt, so nothing is lost or reordered.
        pending.unshift(batch);
        logger.error(`could not persist session ${sessionId}; retrying in ${PERSIST_RETRY_DELAY_MS} ms`, error);
        throw error;
      }
    }
  };

  const schedule = (): Promise<void> => {
    if (nextTurn) {
      clearImmediate(nextTurn);
      nextTurn = null;
    }
    if (writing) return writing;
    writing = writeLoop()
      .catch(() => {
        if (!detached && !retryTimer) {
          retryTimer = setTimeout(() => {
            retryTimer = null;
            void schedule();
          }, PERSIST_RETRY_DELAY_MS);
        }
      })
      .finally(() => {
        writing = null;
        // An update that came in while the loop was finishing would otherwise wait for the next one.
        if (pending.length > 0 && !detached && !retryTimer && !nextTurn) nextTurn = setImmediate(() => void schedule());
      });
    return writing;
  };

  const onUpdate = (update: Uint8Array, origin: unknown) => {
    if (isOrigin(origin, 'persistence', 'remote-node')) return;
    pending.push(update);
    seen += 1;
    // The write starts after this turn's I/O, so the rest of the burst (more frames in the same read) joins it.
    if (!writing && !nextTurn && !retryTimer) nextTurn = setImmediate(() => void schedule());
  };
  doc.on('update', onUpdate);

  return {
    get persistedBytes() {
      return persistedBytes;
    },
    get seen() {
      return seen;
    },
    get stored() {
      return stored;
    },
    onStored(listener) {
      storedListeners.push(listener);
    },
    async flush() {
      while (writing || pending.length > 0) {
        await (writing ?? schedule());
        if (pending.length > 0 && retryTimer) throw new Error(`session ${sessionId} could not be persisted`);
      }
    },
    detach() {
      detached = true;
      doc.off('update', onUpdate);
      if (retryTimer) clearTimeout(retryTimer);
      if (nextTurn) clearImmediate(nextTurn);
      storedListeners.length = 0;
    },
  };
}
