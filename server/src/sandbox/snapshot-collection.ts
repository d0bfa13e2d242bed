import type { SnapshotRef } from './provider.js';

/** A session's saved workspace is a snapshot labelled with this prefix and its session id: what a resume starts from. */
export const SAVED_WORKSPACE_LABEL_PREFIX = 'session:';
/**
 * A snapshot that stopped being its repo's current one is kept at least this long, even when no
 * sandbox mounts it yet: a session that was handed it a moment before the rebuild finished is still
 * booting onto it.
 */
export const RETIRED_SNAPSHOT_GRACE_MS = 60_000;

export const savedWorkspaceLabel = (sessionId: string) => `${SAVED_WORKSPACE_LABEL_PREFIX}${sessionId}`;
export const isSavedWorkspace = (snapshot: Pick<SnapshotRef, 'repo'>) => snapshot.repo.startsWith(SAVED_WORKSPACE_LABEL_PREFIX);

export interface SnapshotCollectionInput {
  /** Every snapshot on disk, of any format version. */
  snapshots: readonly SnapshotRef[];
  /** The snapshot each repo's new sessions start from now (repo → id). */
  current: ReadonlyMap<string, string>;
  /** Snapshots a live sandbox (a session's or a warm one) has mounted. */
  inUse: ReadonlySet<string>;
  /** When each snapshot stopped being its repo's current one, as far as this server saw it. */
  retiredAtMs: ReadonlyMap<string, number>;
  currentFormatVersion: number;
  nowMs: number;
  graceMs: number;
}

/**
 * Pure: the snapshots nothing refers to any more, which may be deleted. Kept: saved workspaces (a
 * resume starts from them), each repo's current snapshot and the newest one of the current format
 * (what the next session takes), whatever a live sandbox mounts, and one retired within the grace.
 */
export function decideSnapshotCollection(input: SnapshotCollectionInput): SnapshotRef[] {
  const newestPerRepo = new Map<string, SnapshotRef>();
  for (const snapshot of input.snapshots) {
    if (snapshot.formatVersion !== input.currentFormatVersion) continue;
    const newest = newestPerRepo.get(snapshot.repo);
    if (!newest || snapshot.builtAtMs > newest.builtAtMs) newestPerRepo.set(snapshot.repo, snapshot);
  }
  const current = new Set(input.current.values());
  return input.snapshots.filter((snapshot) => {
    if (isSavedWorkspace(snapshot)) return false;
    if (current.has(snapshot.id) || input.inUse.has(snapshot.id)) return false;
    if (newestPerRepo.get(snapshot.repo)?.id === snapshot.id) return false;
    const retiredAt = input.retiredAtMs.get(snapshot.id);
    return retiredAt === undefined || input.nowMs - retiredAt >= input.graceMs;
  });
}
