import { SNAPSHOT_FORMAT_VERSION, currentCommit, type SnapshotProgress, type SnapshotStore } from './local/snapshots.js';
import type { SnapshotRef } from './provider.js';
import { parseRepoReference, RepoRefusedError } from './repo-location.js';
import type { WarmPool } from './warm-pool.js';

/** Snapshots are rebuilt this often, so a session starts at most this far behind the repo. */
export const DEFAULT_SNAPSHOT_REBUILD_INTERVAL_MS = 30 * 60_000;
/** How often the schedule looks at the repos in use (age and moved HEAD). */
export const SNAPSHOT_CHECK_INTERVAL_MS = 60_000;

export type RebuildReason = 'format-version' | 'age' | 'head-moved';

/** Pure: whether a repo's snapshot must be rebuilt now, and why. */
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

/** Gives each repo a current snapshot, builds one at most once at a time, and rebuilds on a schedule. */
export function createSnapshotManager(options: {
  store: SnapshotStore;
  pool: WarmPool;
  rebuildIntervalMs: number;
  logger: SnapshotManagerLogger;
}) {
  const current = new Map<string, SnapshotRef>();
  const building = new Map<string, Promise<SnapshotRef>>();
  let timer: NodeJS.Timeout | null = null;

  function build(repo: string, progress?: SnapshotProgress): Promise<SnapshotRef> {
    let pending = building.get(repo);
    if (!pending) {
      pending = options.store
        .build(repo, progress)
        .then(async (snapshot) => {
          const previous = current.get(repo);
          current.set(repo, snapshot);
          await options.pool.retire(repo, snapshot);
          if (previous) await options.store.remove(previous);
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
    startSchedule(): void {
      timer ??= setInterval(() => void check(), SNAPSHOT_CHECK_INTERVAL_MS);
      timer.unref();
    },
    stop(): void {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
export type SnapshotManager = ReturnType<typeof createSnapshotManager>;
