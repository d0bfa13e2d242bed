import { describe, expect, it } from 'vitest';
import { decideServiceEvent, initialServiceRunState, type ServiceRunState } from './service-decisions.js';

const policy = { maxAutomaticRestarts: 2 };
const ready: ServiceRunState = { state: 'ready', restarts: 0, automaticRestarts: 0 };

describe('a declared service', () => {
  it('is ready once its check passes, failed when the check gives up or it ends first', () => {
    expect(decideServiceEvent(initialServiceRunState(), { kind: 'ready-check-passed' }, policy).next.state).toBe('ready');
    const timedOut = decideServiceEvent(initialServiceRunState(), { kind: 'ready-check-timed-out' }, policy);
    expect(timedOut).toMatchObject({ next: { state: 'failed' }, actions: ['kill'] });
    const ended = decideServiceEvent(initialServiceRunState(), { kind: 'exited', exitCode: 1 }, policy);
    expect(ended).toMatchObject({ next: { state: 'failed' }, actions: [], message: 'it exited with code 1 before it was ready' });
  });

  it('crashes when it exits after being ready, and comes back by itself a bounded number of times', () => {
    let current = ready;
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      const crash = decideServiceEvent(current, { kind: 'exited', exitCode: null }, policy);
      expect(crash).toMatchObject({ next: { state: 'crashed' }, actions: ['schedule-restart'] });
      const again = decideServiceEvent(crash.next, { kind: 'automatic-restart-due' }, policy);
      expect(again).toMatchObject({ next: { state: 'starting', restarts: attempt, automaticRestarts: attempt }, actions: ['spawn'] });
      current = decideServiceEvent(again.next, { kind: 'ready-check-passed' }, policy).next;
    }
    const last = decideServiceEvent(current, { kind: 'exited', exitCode: 137 }, policy);
    expect(last.actions).toEqual([]);
    expect(last.message).toMatch(/not restarted automatically after 2 tries/);
  });

  it('restarts on request from any state but stopped, with a fresh automatic budget', () => {
    const crashed: ServiceRunState = { state: 'crashed', restarts: 3, automaticRestarts: 2 };
    expect(decideServiceEvent(crashed, { kind: 'restart-requested' }, policy)).toEqual({ next: { state: 'starting', restarts: 4, automaticRestarts: 0 }, actions: ['kill', 'spawn'] });
    const stopped = decideServiceEvent(ready, { kind: 'stop-requested' }, policy).next;
    expect(decideServiceEvent(stopped, { kind: 'restart-requested' }, policy).actions).toEqual([]);
    // The exit of the process it was told to stop is no crash.
    expect(decideServiceEvent(stopped, { kind: 'exited', exitCode: null }, policy).next.state).toBe('stopped');
  });
});
