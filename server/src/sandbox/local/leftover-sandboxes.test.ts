import { describe, expect, it } from 'vitest';
import { decideReclaim, parseMountPoints } from './leftover-sandboxes.js';

describe('decideReclaim', () => {
  const sandboxesDir = '/data/sandboxes';
  it('detaches the overlay before the disk under it, and deletes every leftover folder but the live ones', () => {
    const plan = decideReclaim({
      sandboxesDir,
      mountPoints: ['/', '/data/sandboxes/sbx_aa/disk', '/data/sandboxes/sbx_aa/merged', '/data/sandboxes/sbx_bb/merged', '/data/sandboxes-other/sbx_cc/merged'],
      entries: ['sbx_aa', 'sbx_bb', 'setup_0f', 'owner.json', 'notes'],
      liveIds: new Set(['sbx_bb']),
    });
    expect(plan.unmount).toEqual(['/data/sandboxes/sbx_aa/merged', '/data/sandboxes/sbx_aa/disk']);
    expect(plan.remove).toEqual(['/data/sandboxes/sbx_aa', '/data/sandboxes/setup_0f']);
  });

  it('leaves a folder whose name it did not make alone', () => {
    expect(decideReclaim({ sandboxesDir, mountPoints: ['/data/sandboxes/keep/x'], entries: ['keep', 'sbx_../x'], liveIds: new Set() })).toEqual({ unmount: [], remove: [] });
  });
});

describe('parseMountPoints', () => {
  it('reads the mount point of each mountinfo line, unescaping spaces', () => {
    const info = '36 35 98:0 / /mnt/with\\040space rw,noatime - ext4 /dev/loop0 rw\n37 35 0:31 / /data/sandboxes/sbx_aa/merged rw - overlay overlay rw,lowerdir=/x\n';
    expect(parseMountPoints(info)).toEqual(['/mnt/with space', '/data/sandboxes/sbx_aa/merged']);
  });
});
