import * as Y from 'yjs';
import { DocOrigin } from '../../../shared/src/doc/origins.js';
import type { DocStore } from './doc-store.js';

/** Rows appended since the last compaction before the log is folded into one row. */
export const COMPACT_AFTER_UPDATES = 200;
/** Wait before retrying a failed write; edits stay queued in memory meanwhile. */
export const PERSIST_RETRY_DELAY_MS = 1000;

export interface DocPersister {
  /** Bytes the persisted doc takes, as appended so far (exact right after compaction). */
  readonly persistedBytes: number;
  /** Resolves once every update seen so far is in the store. */
  flush(): Promise<void>;
  detach(): void;
}

export interface PersisterLogger {
  error(message: string, error: unknown): void;
}

/**
 * Loads a session doc from the store, then appends each later update (batched while a write is in
 * flight) and compacts the log every COMPACT_AFTER_UPDATES rows. Updates that came from the store or
 * from another node (which persisted them itself) are not written again.
 */
export async function loadPersistedDoc(
  store: DocStore,
  sessionId: string,
  doc: Y.Doc,
  logger: PersisterLogger,
): Promise<DocPersister> {
  const stored = await store.load(sessionId);
  let persistedBytes = 0;
  Y.transact(
    doc,
    () => {
      for (const update of stored.updates) {
        Y.applyUpdate(doc, update, DocOrigin.Persistence);
        persistedBytes += update.byteLength;
      }
    },
    DocOrigin.Persistence,
  );

  let lastId = stored.lastId;
  let rowsSinceCompaction = stored.updates.length;
  let pending: Uint8Array[] = [];
  let writing: Promise<void> | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let detached = false;

  const writeLoop = async (): Promise<void> => {
    while (pending.length > 0) {
      const batch = pending.length === 1 ? pending[0]! : Y.mergeUpdates(pending);
      pending = [];
      try {
        lastId = await store.append(sessionId, batch);
        persistedBytes += batch.byteLength;
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
      });
    return writing;
  };

  const onUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin === DocOrigin.Persistence || origin === DocOrigin.RemoteNode) return;
    pending.push(update);
    void schedule();
  };
  doc.on('update', onUpdate);

  return {
    get persistedBytes() {
      return persistedBytes;
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
    },
  };
}
