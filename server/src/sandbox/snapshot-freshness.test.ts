import { describe, expect, it, vi } from 'vitest';
import { SNAPSHOT_FORMAT_VERSION } from './local/snapshots.js';
import type { SnapshotRef } from './provider.js';
import { describeBuildFailure, SnapshotBuildError } from './snapshot-build-error.js';
import { createSnapshotManager, decideSessionSnapshot, FAILED_REBUILD_RETRY_MS, type RebuildFailure, type SnapshotEvent, type SnapshotNote } from './snapshot-manager.js';
import type { SnapshotStore } from './local/snapshots.js';
import type { WarmPool } from './warm-pool.js';

const HOUR_MS = 60 * 60_000;
const known: SnapshotRef = { id: 'snap_a', repo: '/repos/app', commit: 'aaaa', builtAtMs: 1_000, formatVersion: SNAPSHOT_FORMAT_VERSION };
const failedAt = (commit: string, failedAtMs: number): RebuildFailure => ({ summary: 'setup failed', logTail: 'boom', commit, failedAtMs });
const decide = (input: Partial<Parameters<typeof decideSessionSnapshot>[0]>) =>
  decideSessionSnapshot({ known, headCommit: 'aaaa', lastFailure: undefined, nowMs: 2_000, rebuildIntervalMs: HOUR_MS, ...input });

describe('decideSessionSnapshot', () => {
  it('uses a fresh snapshot at the repo HEAD, builds one when there is none', () => {
    expect(decide({})).toEqual({ action: 'use' });
    expect(decide({ known: undefined })).toEqual({ action: 'build', reason: 'none-yet' });
  });

  it('brings a new session up to date when HEAD moved, long before the schedule would', () => {
    expect(decide({ headCommit: 'bbbb' })).toEqual({ action: 'build', reason: 'head-moved' });
    // A folder that is no git repo has no HEAD to compare.
    expect(decide({ headCommit: 'none' })).toEqual({ action: 'use' });
  });

  it('does not run a setup that just failed at this HEAD again for every session, but tries a new HEAD and, later, the same one', () => {
    const failure = failedAt('bbbb', 1_500);
    expect(decide({ headCommit: 'bbbb', lastFailure: failure })).toEqual({ action: 'use-after-failure', failure });
    expect(decide({ headCommit: 'cccc', lastFailure: failure })).toEqual({ action: 'build', reason: 'head-moved' });
    expect(decide({ headCommit: 'bbbb', lastFailure: failure, nowMs: 1_500 + FAILED_REBUILD_RETRY_MS })).toEqual({ action: 'build', reason: 'head-moved' });
  });

  it('never keeps a snapshot of another format, failure or not', () => {
    expect(decide({ known: { ...known, formatVersion: SNAPSHOT_FORMAT_VERSION + 1 }, lastFailure: failedAt('aaaa', 1_500) })).toEqual({ action: 'build', reason: 'format-version' });
  });
});

describe('describeBuildFailure', () => {
  it('keeps a setup failure as what failed and its log tail', () => {
    expect(describeBuildFailure(new SnapshotBuildError('.tandem/setup.sh failed (exit 3)', 'npm ERR! 404'))).toEqual({ summary: '.tandem/setup.sh failed (exit 3)', logTail: 'npm ERR! 404' });
  });

  it('splits any other error into its first line and the rest (a failed clone says why after its command)', () => {
    expect(describeBuildFailure(new Error('Command failed: git clone --depth 1 x\nfatal: repository not found\n'))).toEqual({
      summary: 'Command failed: git clone --depth 1 x',
      logTail: 'fatal: repository not found',
    });
    expect(describeBuildFailure(new Error('npm ci failed (exit 1). Last lines:\nnpm ERR! 404\nnpm ERR! done'))).toEqual({ summary: 'npm ci failed (exit 1)', logTail: 'npm ERR! 404\nnpm ERR! done' });
    expect(describeBuildFailure('plain')).toEqual({ summary: 'plain', logTail: '' });
  });
});

describe('a failed rebuild on the schedule', () => {
  it('keeps the snapshot, logs one line without the error, tells the listeners and the next session what failed', async () => {
    let fail = false;
    let built = 0;
    const store = {
      checkRepo: async () => {},
      latest: async () => undefined,
      list: async () => [],
      remove: async () => {},
      build: async (repo: string) => {
        if (fail) throw new SnapshotBuildError('.tandem/setup.sh failed (exit 2)', 'E: no such package');
        built += 1;
        return { id: `snap_${built}`, repo, commit: 'none', builtAtMs: Date.now(), formatVersion: SNAPSHOT_FORMAT_VERSION };
      },
    } as unknown as SnapshotStore;
    const pool: WarmPool = { take: () => undefined, fill: () => {}, retire: async () => {}, settled: async () => {}, close: async () => {} };
    const logger = { info: vi.fn(), error: vi.fn() };
    // Every snapshot is due at once: each check rebuilds.
    const manager = createSnapshotManager({ store, pool, rebuildIntervalMs: 1, logger, inUse: () => new Set() });
    const repo = '/nowhere/app';
    const first = await manager.ensure(repo);
    const events: SnapshotEvent[] = [];
    manager.subscribe((event) => events.push(event));

    fail = true;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await manager.check();
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error.mock.calls[0]).toHaveLength(1);
    expect(logger.error.mock.calls[0]![0]).toMatch(/^snapshot rebuild of \/nowhere\/app failed: \.tandem\/setup\.sh failed \(exit 2\); keeping the snapshot of \S+ \(snap_1\)$/);
    expect(events).toEqual([{ kind: 'rebuild-failed', repo, kept: first, failure: expect.objectContaining({ summary: '.tandem/setup.sh failed (exit 2)', logTail: 'E: no such package' }) }]);

    const notes: SnapshotNote[] = [];
    expect(await manager.ensure(repo, undefined, (note) => notes.push(note))).toEqual(first);
    expect(notes).toEqual([{ kind: 'kept-after-failure', kept: first, failure: expect.objectContaining({ summary: '.tandem/setup.sh failed (exit 2)' }) }]);
  });
});
