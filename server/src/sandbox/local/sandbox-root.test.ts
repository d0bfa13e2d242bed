import { describe, expect, it } from 'vitest';
import { decideSandboxRoot, type SandboxPlace } from './sandbox-root.js';

const place = (kind: SandboxPlace['kind'], dir: string, extra: Partial<SandboxPlace> = {}): SandboxPlace => ({ kind, dir, treesDir: dir, blockedBy: null, state: 'ours', ...extra });
const privateHome = { path: '/root', mode: 0o40700 };

describe('decideSandboxRoot', () => {
  it('keeps the trees in the data dir when its parents let sandbox users through (every install so far)', () => {
    expect(decideSandboxRoot([place('data-dir', '/srv/tandem/.tandem-data'), place('system', '/var/lib/tandem')])).toEqual({
      kind: 'use',
      place: place('data-dir', '/srv/tandem/.tandem-data'),
      note: null,
    });
  });

  it('a data dir in a private home moves the trees to a per-server folder under /var/lib/tandem, and says why', () => {
    const decision = decideSandboxRoot([
      place('data-dir', '/root/tandem/.tandem-data', { blockedBy: privateHome }),
      place('system', '/var/lib/tandem', { treesDir: '/var/lib/tandem/abc', state: 'creatable' }),
      place('temporary', '/tmp/tandem-sandboxes-abc', { state: 'creatable' }),
    ]);
    expect(decision).toMatchObject({ kind: 'use', place: { kind: 'system', treesDir: '/var/lib/tandem/abc' } });
    expect(decision.kind === 'use' && decision.note).toContain('/root (mode 0700)');
  });

  it('falls back to the temp folder when /var/lib/tandem cannot be made, warning that it does not outlive a reboot', () => {
    const decision = decideSandboxRoot([
      place('data-dir', '/home/ada/.tandem-data', { blockedBy: { path: '/home/ada', mode: 0o40750 } }),
      place('system', '/var/lib/tandem', { state: 'cannot-create' }),
      place('temporary', '/tmp/tandem-sandboxes-abc', { state: 'creatable' }),
    ]);
    expect(decision).toMatchObject({ kind: 'use', place: { kind: 'temporary' } });
    expect(decision.kind === 'use' && decision.note).toContain('reboot');
  });

  it('never takes a folder someone else made (a squatted temp folder), and fails naming every reason', () => {
    const decision = decideSandboxRoot([
      place('data-dir', '/root/.tandem-data', { blockedBy: privateHome }),
      place('system', '/var/lib/tandem', { state: 'cannot-create' }),
      place('temporary', '/tmp/tandem-sandboxes-abc', { state: 'foreign', foreignDetail: 'belongs to uid 1001' }),
    ]);
    expect(decision.kind).toBe('impossible');
    const reason = decision.kind === 'impossible' ? decision.reason : '';
    for (const part of ['/root (mode 0700)', '/var/lib/tandem cannot be made', 'belongs to uid 1001', 'TANDEM_SANDBOX_DIR']) expect(reason).toContain(part);
  });

  it('uses TANDEM_SANDBOX_DIR as the only choice: unreachable is a start-up error, never a quiet fallback', () => {
    const decision = decideSandboxRoot([place('configured', '/root/sandboxes', { blockedBy: privateHome }), place('temporary', '/tmp/x', { state: 'creatable' })]);
    expect(decision).toMatchObject({ kind: 'impossible', reason: expect.stringContaining('TANDEM_SANDBOX_DIR=/root/sandboxes') });
    expect(decideSandboxRoot([place('configured', '/srv/sandboxes', { state: 'creatable' })])).toMatchObject({ kind: 'use', place: { kind: 'configured' } });
  });
});
