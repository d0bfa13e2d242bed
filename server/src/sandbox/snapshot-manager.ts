import { SNAPSHOT_FORMAT_VERSION, currentCommit, type SnapshotProgress, type SnapshotStore } from './local/snapshots.js';
import type { SnapshotRef } from './provider.js';
import type { RepoBundle } from './local/repo-bundle.js';
import { parseRepoReference, RepoRefusedError } from './repo-location.js';
import { describeBuildFailure, type BuildFailure } from './snapshot-build-error.js';
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

/** A rebuild that failed at a commit is tried again for that same commit only after this long (or once HEAD moves again). */
export const FAILED_REBUILD_RETRY_MS = 5 * 60_000;

/** A rebuild that failed: what failed, its log's tail, the commit it was for, when. */
export interface RebuildFailure extends BuildFailure {
  commit: string;
  failedAtMs: number;
}

/**
 * Pure: what a new session of a repo starts from. `headCommit` is the repo's HEAD read now (cheap
 * for a local repo); a remote repo passes the snapshot's own commit, leaving a moved HEAD to the
 * schedule. A rebuild that failed recently at this same HEAD is not tried again for every session:
 * the old snapshot is used, with that failure shown.
 */
export function decideSessionSnapshot(input: {
  known: SnapshotRef | undefined;
  headCommit: string;
  lastFailure: RebuildFailure | undefined;
  nowMs: number;
  rebuildIntervalMs: number;
}): { action: 'use' } | { action: 'build'; reason: RebuildReason | 'none-yet' } | { action: 'use-after-failure'; failure: RebuildFailure } {
  if (!input.known) return { action: 'build', reason: 'none-yet' };
  const reason = decideSnapshotRebuild({ snapshot: input.known, headCommit: input.headCommit, nowMs: input.nowMs, rebuildIntervalMs: input.rebuildIntervalMs });
  if (!reason) return { action: 'use' };
  const failure = input.lastFailure;
  const retryAfterMs = Math.min(FAILED_REBUILD_RETRY_MS, input.rebuildIntervalMs);
  if (reason !== 'format-version' && failure && failure.commit === input.headCommit && input.nowMs - failure.failedAtMs < retryAfterMs) return { action: 'use-after-failure', failure };
  return { action: 'build', reason };
}

/** What a session's start is told about its snapshot, beyond the build's progress. */
export type SnapshotNote =
  | { kind: 'updating'; commit: string; sinceBuiltAtMs: number }
  | { kind: 'kept-after-failure'; failure: RebuildFailure; kept: SnapshotRef };

/** Told to the sessions already running on a repo: a rebuild replaced their repo's snapshot, or failed to. */
export type SnapshotEvent =
  | { kind: 'rebuilt'; repo: string; snapshot: SnapshotRef }
  | { kind: 'rebuild-failed'; repo: string; failure: RebuildFailure; kept: SnapshotRef };

/** A repo whose HEAD is cheap to read on every session start (a local path); remote ones keep the schedule. */
const isLocalRepo = (repo: string) => parseRepoReference(repo, process.cwd()).kind === 'local';

export interface SnapshotManagerLogger {
  info(message: string): void;
  error(message: string, error?: unknown): void;
}

/** Where a session's snapshot comes from: built locally per repo, or an e2b template. */
export interface SnapshotSource {
  /** Throws RepoRefusedError, saying what is allowed, for a repo this server may not use. */
  checkRepo(repo: string): Promise<void>;
  ensure(repo: string, progress?: SnapshotProgress, note?: (note: SnapshotNote) => void): Promise<SnapshotRef>;
  /** Hears of rebuilds and failed rebuilds (a template source has none); returns the unsubscribe. */
  subscribe?(listener: (event: SnapshotEvent) => void): () => void;
  /** A snapshot a session was saved to when it ended (to resume from); undefined when it is gone. */
  saved(snapshotId: string, repo: string): Promise<SnapshotRef | undefined>;
  /** The repo's commits since `fromCommit`, for a running session to update to (absent: a source that cannot). */
  bundleSince?(repo: string, fromCommit: string): Promise<RepoBundle>;
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
  /** Each repo's last failed rebuild, until one succeeds. */
  const failures = new Map<string, RebuildFailure>();
  const listeners = new Set<(event: SnapshotEvent) => void>();
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

  function emit(event: SnapshotEvent): void {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        options.logger.error(`a listener of ${event.repo}'s snapshot events failed`, error);
      }
    }
  }

  /**
   * Builds the repo's snapshot (one build per repo at a time; callers share it). `headCommit` is the
   * commit the caller read, recorded with a failure. A failed rebuild keeps the current snapshot, says
   * so in one log line (no stack: the build's log tail is shown to the sessions it affects) and tells
   * the listeners.
   */
  function build(repo: string, headCommit: string, progress?: SnapshotProgress): Promise<SnapshotRef> {
    let pending = building.get(repo);
    if (!pending) {
      pending = options.store
        .build(repo, progress)
        .then(
          async (snapshot) => {
            const previous = current.get(repo);
            current.set(repo, snapshot);
            failures.delete(repo);
            if (previous) retiredAtMs.set(previous.id, Date.now());
            await options.pool.retire(repo, snapshot);
            emit({ kind: 'rebuilt', repo, snapshot });
            return snapshot;
          },
          (error: unknown) => {
            const kept = current.get(repo);
            if (kept) {
              const failure: RebuildFailure = { ...describeBuildFailure(error), commit: headCommit, failedAtMs: Date.now() };
              failures.set(repo, failure);
              options.logger.error(
                `snapshot rebuild of ${repo}${headCommit === 'none' ? '' : ` at ${headCommit.slice(0, 12)}`} failed: ${failure.summary}; keeping the snapshot of ${new Date(kept.builtAtMs).toISOString()} (${kept.id})`,
              );
              emit({ kind: 'rebuild-failed', repo, failure, kept });
            }
            throw error;
          },
        )
        .finally(() => building.delete(repo));
      building.set(repo, pending);
    }
    return pending;
  }

  /** The repo's HEAD as a session's start compares it: read now for a local repo, the snapshot's own for a remote one (the schedule's job). */
  const headFor = async (repo: string, known: SnapshotRef | undefined) => (known && isLocalRepo(repo) ? await currentCommit(repo) : (known?.commit ?? 'none'));

  async function check(): Promise<void> {
    for (const [repo, snapshot] of current) {
      const headCommit = await currentCommit(repo);
      const decision = decideSessionSnapshot({ known: snapshot, headCommit, lastFailure: failures.get(repo), nowMs: Date.now(), rebuildIntervalMs: options.rebuildIntervalMs });
      if (decision.action !== 'build') continue;
      options.logger.info(`rebuilding the snapshot of ${repo} (${decision.reason})`);
      await build(repo, headCommit).catch((error: unknown) => {
        // A failed build is logged (one line) and told to the sessions by build itself; anything else (retiring the old pool) is logged here.
        if (failures.get(repo)?.commit !== headCommit) options.logger.error(`after the scheduled snapshot rebuild of ${repo}`, error);
      });
    }
    await collect().catch((error: unknown) => options.logger.error('could not collect unused snapshots', error));
  }

  return {
    checkRepo: (repo: string) => options.store.checkRepo(repo),
    /**
     * The repo's current snapshot for a new session: reused when still fresh, else built (progress
     * reported). A local repo whose HEAD moved past it is brought up to date first (`note` says so);
     * when that rebuild fails the old snapshot is used and `note` says what failed.
     */
    async ensure(repo: string, progress?: SnapshotProgress, note?: (note: SnapshotNote) => void): Promise<SnapshotRef> {
      // Checked on every start, not only at create: a snapshot on hand is no proof the repo is still allowed.
      await options.store.checkRepo(repo);
      const known = current.get(repo) ?? (await options.store.latest(repo));
      const headCommit = await headFor(repo, known);
      const decision = decideSessionSnapshot({ known, headCommit, lastFailure: failures.get(repo), nowMs: Date.now(), rebuildIntervalMs: options.rebuildIntervalMs });
      if (known && decision.action !== 'build') {
        current.set(repo, known);
        options.pool.fill(known);
        if (decision.action === 'use-after-failure') note?.({ kind: 'kept-after-failure', failure: decision.failure, kept: known });
        return known;
      }
      if (known) current.set(repo, known);
      if (known && decision.action === 'build' && decision.reason === 'head-moved') note?.({ kind: 'updating', commit: headCommit, sinceBuiltAtMs: known.builtAtMs });
      try {
        const snapshot = await build(repo, headCommit, progress);
        options.pool.fill(snapshot);
        return snapshot;
      } catch (error) {
        // Without a usable older snapshot the session cannot start: its start fails saying why.
        const failure = failures.get(repo);
        if (!known || !failure || (decision.action === 'build' && decision.reason === 'format-version')) throw error;
        options.pool.fill(known);
        note?.({ kind: 'kept-after-failure', failure, kept: known });
        return known;
      }
    },
    subscribe(listener: (event: SnapshotEvent) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    saved: (snapshotId: string) => options.store.get(snapshotId),
    bundleSince: (repo: string, fromCommit: string) => options.store.bundleSince(repo, fromCommit),
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
