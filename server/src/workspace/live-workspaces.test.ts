import { describe, expect, it } from 'vitest';
import { LiveWorkspaces, type StartWorkspace } from './live-workspaces.js';

/** A start the test settles by hand. */
function manualStarts() {
  const pending: Array<{ resolve: (value: string) => void; reject: (error: Error) => void; bootFailed: (error: Error) => void }> = [];
  const start: StartWorkspace<string> = (_sessionId, bootFailed) =>
    new Promise<string>((resolve, reject) => {
      pending.push({ resolve, reject, bootFailed });
    });
  return { start, pending };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('LiveWorkspaces', () => {
  it('shares one start, then runs; stopping waits for it and forgets the session', async () => {
    const { start, pending } = manualStarts();
    const live = new LiveWorkspaces(start);
    const first = live.ensure('s1');
    expect(live.ensure('s1')).toBe(first);
    expect(pending).toHaveLength(1);
    expect(live.phase('s1')).toBe('starting');
    expect(live.othersLive('s2')).toEqual(['s1']);
    pending[0]!.resolve('workspace');
    await tick();
    expect(live.phase('s1')).toBe('running');
    expect(await live.stop('s1')).toBe('workspace');
    expect(live.phase('s1')).toBe('none');
  });

  it('a failed boot stays failed (recorded before the rejection) until a retry boots again', async () => {
    const { start, pending } = manualStarts();
    const live = new LiveWorkspaces(start);
    const first = live.ensure('s1');
    const failure = new Error('setup.sh failed');
    pending[0]!.bootFailed(failure);
    expect(live.phase('s1')).toBe('failed');
    pending[0]!.reject(failure);
    await expect(first).rejects.toBe(failure);
    await tick();
    expect(live.phase('s1')).toBe('failed');
    await expect(live.ensure('s1')).rejects.toBe(failure);
    expect(pending).toHaveLength(1);
    void live.ensure('s1', 'retry');
    expect(pending).toHaveLength(2);
    expect(live.phase('s1')).toBe('starting');
  });

  it('a start refused before booting is forgotten, so the next visit asks again', async () => {
    const { start, pending } = manualStarts();
    const live = new LiveWorkspaces(start);
    const first = live.ensure('s1');
    pending[0]!.reject(new Error('too many sandboxes'));
    await expect(first).rejects.toThrow('too many sandboxes');
    await tick();
    expect(live.phase('s1')).toBe('none');
    void live.ensure('s1');
    expect(pending).toHaveLength(2);
  });
});
