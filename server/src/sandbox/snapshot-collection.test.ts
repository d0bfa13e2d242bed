import { describe, expect, it } from 'vitest';
import type { SnapshotRef } from './provider.js';
import { decideSnapshotCollection, savedWorkspaceLabel, type SnapshotCollectionInput } from './snapshot-collection.js';

const snapshot = (id: string, repo: string, builtAtMs: number, formatVersion = 1): SnapshotRef => ({ id, repo, commit: 'c', builtAtMs, formatVersion });
const NOW = 1_000_000;
const decide = (input: Partial<SnapshotCollectionInput> & Pick<SnapshotCollectionInput, 'snapshots'>) =>
  decideSnapshotCollection({ current: new Map(), inUse: new Set(), retiredAtMs: new Map(), currentFormatVersion: 1, nowMs: NOW, graceMs: 60_000, ...input }).map((s) => s.id);

describe('decideSnapshotCollection', () => {
  const old = snapshot('old', 'repo-a', 1);
  const middle = snapshot('middle', 'repo-a', 2);
  const newest = snapshot('newest', 'repo-a', 3);

  it('keeps what a live sandbox mounts, the current snapshot and the newest, and collects the rest', () => {
    expect(decide({ snapshots: [old, middle, newest], current: new Map([['repo-a', 'newest']]), inUse: new Set(['middle']) })).toEqual(['old']);
    expect(decide({ snapshots: [old, middle, newest], current: new Map([['repo-a', 'newest']]) })).toEqual(['old', 'middle']);
  });

  it('never collects a saved workspace, in use or not', () => {
    expect(decide({ snapshots: [snapshot('saved', savedWorkspaceLabel('s_1'), 1), snapshot('saved-2', savedWorkspaceLabel('s_1'), 2)] })).toEqual([]);
  });

  it('keeps a snapshot retired within the grace (a session may still be booting onto it), then collects it', () => {
    const input = { snapshots: [middle, newest], current: new Map([['repo-a', 'newest']]) };
    expect(decide({ ...input, retiredAtMs: new Map([['middle', NOW - 10_000]]) })).toEqual([]);
    expect(decide({ ...input, retiredAtMs: new Map([['middle', NOW - 60_000]]) })).toEqual(['middle']);
  });

  it('collects snapshots of another format version unless a sandbox mounts them; the newest of the current format stays', () => {
    const stale = snapshot('stale', 'repo-a', 5, 0);
    expect(decide({ snapshots: [stale, newest] })).toEqual(['stale']);
    expect(decide({ snapshots: [stale, newest], inUse: new Set(['stale']) })).toEqual([]);
  });

  it('judges each repo on its own', () => {
    expect(decide({ snapshots: [old, snapshot('b-only', 'repo-b', 1)] })).toEqual([]);
  });
});
