import type { ServiceState } from '@tandem/shared/doc/schema.js';

/** How many times a service that crashed after being ready is started again without anyone asking. */
export const DEFAULT_MAX_AUTOMATIC_RESTARTS = 2;
/** Wait before an automatic restart, so a crash is seen by everyone and a crash loop does not spin. */
export const DEFAULT_AUTOMATIC_RESTART_DELAY_MS = 2_000;

export interface ServiceRunState {
  state: ServiceState;
  /** Every start after the first (automatic or asked for). */
  restarts: number;
  /** Automatic restarts since the service was last started by hand; bounded by the policy. */
  automaticRestarts: number;
}

export interface ServicePolicy {
  maxAutomaticRestarts: number;
}

export type ServiceEvent =
  | { kind: 'ready-check-passed' }
  | { kind: 'ready-check-timed-out' }
  | { kind: 'exited'; exitCode: number | null }
  | { kind: 'restart-requested' }
  /** The delayed automatic restart is due. */
  | { kind: 'automatic-restart-due' }
  | { kind: 'stop-requested' };

/** What the executor does after a transition: stop the running process, start a new one, or start one later. */
export type ServiceAction = 'kill' | 'spawn' | 'schedule-restart';

export interface ServiceDecision {
  next: ServiceRunState;
  actions: ServiceAction[];
  /** Why it failed or crashed, for the doc. */
  message?: string;
}

const stay = (current: ServiceRunState): ServiceDecision => ({ next: current, actions: [] });

/**
 * Pure: what one event does to a service. A service starts as `starting`; its ready check makes it
 * `ready`, or it is `failed` when the check gives up or the process ends first (never restarted by
 * itself: a check that cannot pass would loop). A ready service that exits is `crashed` and comes back
 * by itself a bounded number of times; an editor's restart works in every state but `stopped`.
 */
export function decideServiceEvent(current: ServiceRunState, event: ServiceEvent, policy: ServicePolicy): ServiceDecision {
  if (current.state === 'stopped') return stay(current);
  switch (event.kind) {
    case 'ready-check-passed':
      return current.state === 'starting' ? { next: { ...current, state: 'ready' }, actions: [] } : stay(current);
    case 'ready-check-timed-out':
      if (current.state !== 'starting') return stay(current);
      return { next: { ...current, state: 'failed' }, actions: ['kill'], message: 'its ready check did not pass in time' };
    case 'exited': {
      const how = event.exitCode === null ? 'was killed' : `exited with code ${event.exitCode}`;
      if (current.state === 'starting') return { next: { ...current, state: 'failed' }, actions: [], message: `it ${how} before it was ready` };
      if (current.state !== 'ready') return stay(current);
      const again = current.automaticRestarts < policy.maxAutomaticRestarts;
      return {
        next: { ...current, state: 'crashed' },
        actions: again ? ['schedule-restart'] : [],
        message: `it ${how}${again ? '; starting it again' : `; not restarted automatically after ${policy.maxAutomaticRestarts} tries`}`,
      };
    }
    case 'automatic-restart-due':
      if (current.state !== 'crashed') return stay(current);
      return { next: { state: 'starting', restarts: current.restarts + 1, automaticRestarts: current.automaticRestarts + 1 }, actions: ['spawn'] };
    case 'restart-requested':
      return { next: { state: 'starting', restarts: current.restarts + 1, automaticRestarts: 0 }, actions: ['kill', 'spawn'] };
    case 'stop-requested':
      return { next: { ...current, state: 'stopped' }, actions: ['kill'] };
    default:
      return event satisfies never;
  }
}

export const initialServiceRunState = (): ServiceRunState => ({ state: 'starting', restarts: 0, automaticRestarts: 0 });
