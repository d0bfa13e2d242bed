import { describe, expect, it } from 'vitest';
import { sessionMetaSchema } from '@tandem/shared/doc/schema.js';
import type { SessionRow } from '../db/repositories/sessions.js';
import { decideMetaMirror, metaKeysToClear } from './meta-mirror.js';

const row: SessionRow = {
  id: 's_1',
  title: 'Fix the parser',
  repo: '/repo',
  ownerId: 'u_ada',
  ownerName: 'Ada',
  status: 'running',
  createdAt: new Date(1_000),
  endedAt: null,
  endSnapshotId: null,
  endSnapshotBuiltAt: null,
  resumedFromSessionId: null,
  resumedFromSnapshotId: null,
};
const meta = (fields: Record<string, unknown>) => sessionMetaSchema.parse(fields);
const mirrored = meta({ title: 'Fix the parser', repo: '/repo', ownerId: 'u_ada', ownerName: 'Ada', createdAt: 1_000, status: 'running' });

describe('decideMetaMirror', () => {
  it('writes nothing when the doc already says what the store says', () => {
    expect(decideMetaMirror(row, mirrored)).toStrictEqual({});
  });

  it('puts back what a doc lost or had rewritten: owner, title, the end and the saved workspace', () => {
    const ended: SessionRow = { ...row, endedAt: new Date(5_000), endSnapshotId: 'snap_1', endSnapshotBuiltAt: new Date(5_100) };
    const patch = decideMetaMirror(ended, meta({ ...mirrored, ownerName: 'Mallory', title: 'Hijacked' }));
    expect(patch).toEqual({ ownerName: 'Ada', title: 'Fix the parser', endedAt: 5_000, endSnapshot: { id: 'snap_1', builtAtMs: 5_100 }, status: 'done' });
  });

  it('clears what the store does not have (an end, a saved workspace or a resume someone wrote into the doc)', () => {
    const forged = meta({ ...mirrored, endedAt: 9, endSnapshot: { id: 'snap_other', builtAtMs: 9 }, resumedFrom: { sessionId: 's_2', snapshotId: 'snap_other' } });
    const patch = decideMetaMirror(row, forged);
    expect(metaKeysToClear(patch).sort()).toEqual(['endSnapshot', 'endedAt', 'resumedFrom']);
  });

  it('names the session that continued an ended one, from the store; a forged continuation is cleared', () => {
    const ended: SessionRow = { ...row, endedAt: new Date(5_000) };
    const continuation = { sessionId: 's_next', title: 'Fix the parser (resumed)' };
    expect(decideMetaMirror(ended, meta({ ...mirrored, status: 'done', endedAt: 5_000 }), continuation)).toEqual({ continuedIn: continuation });
    const forged = meta({ ...mirrored, continuedIn: { sessionId: 's_evil', title: 'Click me' } });
    expect(metaKeysToClear(decideMetaMirror(row, forged))).toEqual(['continuedIn']);
  });

  it('leaves a running session’s status to the agent', () => {
    expect(decideMetaMirror(row, meta({ ...mirrored, status: 'waiting' }))).toStrictEqual({});
  });
});
