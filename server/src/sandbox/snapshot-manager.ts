import { SNAPSHOT_FORMAT_VERSION, currentCommit, type SnapshotProgress, type SnapshotStore } from './local/snapshots.js';
import type { SnapshotRef } from './provider.js';
import { parseRepoReference, RepoRefusedError } from './repo-location.js';
import { decideSnapshotCollection, RETIRED_SNAPSHOT_GRACE_MS } from './snapshot-collection.js';
import type { WarmPool } from './warm-pool.js';

/** Snapshots are rebuilt this often, so a session starts at most this far behind the repo. */
export const DEFAULT_SNAPSHOT_REBUILD_INTERVAL_MS = 30 * 60_000;
/** How often the schedule looks at the repos in use (age and moved HEAD) and collects unused snapshots. */
export const SNAPSHOT_CHECK_INTERVAL_MS = 60_000;

/** The schedule looks at least twice per rebuild interval, so a short interval (in tests) is kept. */
export const snapshotCheckIntervalMs = (rebuildIntervalMs: number) => Math.max(1_000, Math.min(SNAPSHOT_CHECK_INTERVAL_MS, Math.floor(rebuildIntervalMs / 2)));

export type RebuildReason = 'format-version' | 'age' | 'head-moved';

/** Pure: whether a repo's snapshot must be rebuilt now, and why. `headCommit` is read as the stamp's commit was (currentCommit of the repo). */
export function decideSnapshotRebuild(input: {
  snapshot: SnapshotRef;
  headCommit: string;
  nowMs: number;
  rebuildIntervalMs: number;
}): RebuildReason | null {
  if (input.snapshot.formatVersion !== SNAPSHOT_FORMAT_VERSION) return 'format-version';
  if (input.nowMs - input.snapshot.builtAtMs >= input.rebuildIntervalMs) return 'age';
  if (input.headCommit !== 'none' && input.headCommit !== input.snapshot.commit) return 'head-moved';
  return null;
}

export interface SnapshotManagerLogger {
  info(message: string): void;
  error(message: string, error?: unknown): void;
}

/** Where a session's snapshot comes from: built locally per repo, or an e2b template. */
export interface SnapshotSource {
  /** Throws RepoRefusedError, saying what is allowed, for a repo this server may not use. */
  checkRepo(repo: string): Promise<void>;
  ensure(repo: string, progress?: SnapshotProgress): Promise<SnapshotRef>;
  /** A snapshot a session was saved to when it ended (to resume from); undefined when it is gone. */
  saved(snapshotId: string, repo: string): Promise<SnapshotRef | undefined>;
}

/** e2b: every repo starts from the configured template; the repo is cloned into the sandbox. */
export function createTemplateSnapshotSource(template: string, formatVersion: number): SnapshotSource {
  // The repo is cloned inside the e2b sandbox: only a remote URL can reach it there.
  async function checkRepo(repo: string): Promise<void> {
    const reference = parseRepoReference(repo, process.cwd());
    if (reference.kind === 'refused') throw new RepoRefusedError(reference.reason);
    if (reference.kind === 'local') throw new RepoRefusedError(`An e2b sandbox clones the repo itself, so it needs a git URL (https:// or ssh), not ${repo}`);
  }
  return {
    checkRepo,
    async ensure(repo) {
      await checkRepo(repo);
      return { id: template, repo, commit: 'none', builtAtMs: Date.now(), formatVersion };
    },
    // An e2b snapshot id is a template a new sandbox starts from, with the workspace as it was.
    async saved(snapshotId, repo) {
      return { id: snapshotId, repo, commit: 'none', builtAtMs: Date.now(), formatVersion };
    },
  };
}

/**
 * Gives each repo a current snapshot, builds one at most once at a time, and rebuilds on a schedule.
 * A rebuild never deletes the snapshot it replaces: live sessions and warm sandboxes sit on it (it is
 * their overlay's lower layer). Snapshots are deleted by collection, once nothing refers to them.
 */
export function createSnapshotManager(options: {
  store: SnapshotStore;
  pool: WarmPool;
  rebuildIntervalMs: number;
  logger: SnapshotManagerLogger;
  /** Ids of the snapshots live sandboxes (sessions' and warm ones) have mounted now. */
  inUse: () => ReadonlySet<string>;
  retiredGraceMs?: number;
}) {
  const current = new Map<string, SnapshotRef>();
  const building = new Map<string, Promise<SnapshotRef>>();
  const retiredAtMs = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;

  /** Deletes the snapshots nothing refers to (see decideSnapshotCollection); returns their ids. */
  async function collect(): Promise<string[]> {
    // A snapshot being built has no stamp yet, so it is never listed, never collected.
    const unused = decideSnapshotCollection({
      snapshots: await options.store.list(),
      current: new Map([...current].map(([repo, snapshot]) => [repo, snapshot.id])),
      inUse: options.inUse(),
      retiredAtMs,
      currentFormatVersion: SNAPSHOT_FORMAT_VERSION,
      nowMs: Date.now(),
      graceMs: options.retiredGraceMs ?? RETIRED_SNAPSHOT_GRACE_MS,
    });
    for (const snapshot of unused) {
      options.logger.info(`deleting snapshot ${snapshot.id} of ${snapshot.repo}: nothing uses it any more`);
      await options.store.remove(snapshot);
      retiredAtMs.delete(snapshot.id);
    }
    return unused.map((snapshot) => snapshot.id);
  }

  function build(repo: string, progress?: SnapshotProgress): Promise<SnapshotRef> {
    let pending = building.get(repo);
    if (!pending) {
      pending = options.store
        .build(repo, progress)
        .then(async (snapshot) => {
          const previous = current.get(repo);
          current.set(repo, snapshot);
          if (previous) retiredAtMs.set(previous.id, Date.now());
          await options.pool.retire(repo, snapshot);
          return snapshot;
        })
        .finally(() => building.delete(repo));
      building.set(repo, pending);
    }
    return pending;
  }

  async function check(): Promise<void> {
    for (const [repo, snapshot] of current) {
      const reason = decideSnapshotRebuild({
        snapshot,
        headCommit: await currentCommit(repo),
        nowMs: Date.now(),
        rebuildIntervalMs: options.rebuildIntervalMs,
      });
      if (!reason) continue;
      options.logger.info(`rebuilding the snapshot of ${repo} (${reason})`);
      await build(repo).catch((error: unknown) => options.logger.error(`snapshot rebuild of ${repo} failed; keeping the old one`, error));
    }
    await collect().catch((error: unknown) => options.logger.error('could not collect unused snapshots', error));
  }

  return {
    checkRepo: (repo: string) => options.store.checkRepo(repo),
    /** The repo's current snapshot: reused when still fresh, else built (progress reported). */
    async ensure(repo: string, progress?: SnapshotProgress): Promise<SnapshotRef> {
      // Checked on every start, not only at create: a snapshot on hand is no proof the repo is still allowed.
      await options.store.checkRepo(repo);
      const known = current.get(repo) ?? (await options.store.latest(repo));
      if (known && !decideSnapshotRebuild({ snapshot: known, headCommit: known.commit, nowMs: Date.now(), rebuildIntervalMs: options.rebuildIntervalMs })) {
        current.set(repo, known);
        options.pool.fill(known);
        return known;
      }
      const snapshot = await build(repo, progress);
      options.pool.fill(snapshot);
      return snapshot;
    },
    saved: (snapshotId: string) => options.store.get(snapshotId),
    check,
    collect,
    startSchedule(): void {
      timer ??= setInterval(() => void check(), snapshotCheckIntervalMs(options.rebuildIntervalMs));
      timer.unref();
    },
    stop(): void {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
export type SnapshotManager = ReturnType<typeof createSnapshotManager>;
