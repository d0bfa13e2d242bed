import { describe, expect, it } from 'vitest';
import { decideLifecycle, type LifecyclePhase } from './lifecycle.js';

const settled = (outcome: 'started' | 'boot-failed' | 'refused', ofCurrentStart = true) => ({ kind: 'start-settled', outcome, ofCurrentStart }) as const;

describe('decideLifecycle', () => {
  it('boots a session with no workspace, shares one starting or running, and wakes a hibernated one', () => {
    const expected: Record<LifecyclePhase, string> = { none: 'boot', starting: 'share', running: 'share', failed: 'report-failure', hibernated: 'wake' };
    for (const [phase, action] of Object.entries(expected)) expect(decideLifecycle(phase as LifecyclePhase, { kind: 'ensure' }).kind, phase).toBe(action);
  });

  it('boots a failed session again only when a person retries; a retry still shares a start in progress', () => {
    expect(decideLifecycle('failed', { kind: 'ensure' }).kind).toBe('report-failure');
    expect(decideLifecycle('failed', { kind: 'retry' }).kind).toBe('boot');
    expect(decideLifecycle('none', { kind: 'retry' }).kind).toBe('boot');
    expect(decideLifecycle('starting', { kind: 'retry' }).kind).toBe('share');
    expect(decideLifecycle('running', { kind: 'retry' }).kind).toBe('share');
  });

  it('a start that settles marks the session running, failed (a failed boot), or forgets it (refused before booting)', () => {
    expect(decideLifecycle('starting', settled('started')).kind).toBe('mark-running');
    expect(decideLifecycle('starting', settled('boot-failed')).kind).toBe('mark-failed');
    expect(decideLifecycle('starting', settled('refused')).kind).toBe('forget');
  });

  it('ignores a start that is no longer the current one, or settles after the session moved on', () => {
    for (const outcome of ['started', 'boot-failed', 'refused'] as const) {
      expect(decideLifecycle('starting', settled(outcome, false)).kind).toBe('ignore');
      // The refusal that follows a recorded boot failure leaves the failure in place.
      expect(decideLifecycle('failed', settled(outcome)).kind).toBe('ignore');
      expect(decideLifecycle('none', settled(outcome)).kind).toBe('ignore');
    }
  });

  it('stopping tears down what starts or runs, and forgets anything else (a failure, a hibernated workspace)', () => {
    expect(decideLifecycle('starting', { kind: 'stop' }).kind).toBe('tear-down');
    expect(decideLifecycle('running', { kind: 'stop' }).kind).toBe('tear-down');
    for (const phase of ['none', 'failed', 'hibernated'] as const) expect(decideLifecycle(phase, { kind: 'stop' }).kind).toBe('forget');
  });
});
