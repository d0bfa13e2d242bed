import { describe, expect, it } from 'vitest';
import { SNAPSHOT_FORMAT_VERSION } from './local/snapshots.js';
import { decideSnapshotRebuild } from './snapshot-manager.js';
import { decidePoolRefill } from './warm-pool.js';

describe('decidePoolRefill', () => {
  it('boots what is missing, counting sandboxes already booting', () => {
    expect(decidePoolRefill({ idle: 0, booting: 0 }, 2)).toBe(2);
    expect(decidePoolRefill({ idle: 1, booting: 1 }, 2)).toBe(0);
    expect(decidePoolRefill({ idle: 3, booting: 0 }, 2)).toBe(0);
  });
});

describe('decideSnapshotRebuild', () => {
  const snapshot = { id: 's', repo: 'r', commit: 'aaa', builtAtMs: 1_000, formatVersion: SNAPSHOT_FORMAT_VERSION };
  const thirtyMinutes = 30 * 60_000;

  it('keeps a fresh snapshot of the same commit', () => {
    expect(decideSnapshotRebuild({ snapshot, headCommit: 'aaa', nowMs: 2_000, rebuildIntervalMs: thirtyMinutes })).toBeNull();
  });
  it('rebuilds on schedule, when HEAD moved, and for another format version', () => {
    expect(decideSnapshotRebuild({ snapshot, headCommit: 'aaa', nowMs: 1_000 + thirtyMinutes, rebuildIntervalMs: thirtyMinutes })).toBe('age');
    expect(decideSnapshotRebuild({ snapshot, headCommit: 'bbb', nowMs: 2_000, rebuildIntervalMs: thirtyMinutes })).toBe('head-moved');
    expect(decideSnapshotRebuild({ snapshot: { ...snapshot, formatVersion: 0 }, headCommit: 'aaa', nowMs: 2_000, rebuildIntervalMs: thirtyMinutes })).toBe('format-version');
  });
  it('ignores HEAD for a directory that is not a git repo', () => {
    expect(decideSnapshotRebuild({ snapshot: { ...snapshot, commit: 'none' }, headCommit: 'none', nowMs: 2_000, rebuildIntervalMs: thirtyMinutes })).toBeNull();
  });
});
