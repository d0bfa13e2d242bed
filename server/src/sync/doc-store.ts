/** Where a session doc's updates are kept. Implemented over drizzle (PGlite or PostgreSQL). */
export interface StoredDocUpdates {
  updates: Uint8Array[];
  /** Id of the newest row; compaction replaces every row up to it. */
  lastId: number;
}

export interface DocStore {
  load(sessionId: string): Promise<StoredDocUpdates>;
  /** Appends one update and returns its row id. */
  append(sessionId: string, update: Uint8Array): Promise<number>;
  /** Atomically stores `state` (the whole doc) and deletes every row with id ≤ throughId. */
  compact(sessionId: string, state: Uint8Array, throughId: number): Promise<void>;
}
