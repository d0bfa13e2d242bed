/**
 * A session's live workspace in this process, as one state: starting, running, failed, or (a slot a
 * later issue fills) hibernated; no entry means none. The decision is pure: given where a session's
 * workspace is and what happened, it says what to do; `LiveWorkspaces` (live-workspaces.ts) carries it out.
 */
export type LifecyclePhase = 'none' | 'starting' | 'running' | 'failed' | 'hibernated';

export type LifecycleEvent =
  /** Something needs the workspace: a page, a terminal, an agent run. */
  | { kind: 'ensure' }
  /** A person asked to start it again (Try again, a changed repo). */
  | { kind: 'retry' }
  /**
   * A start settled. `started`: it runs; `boot-failed`: the boot itself failed (recorded, so it is not
   * booted again until a retry); `refused`: refused before booting (a cap, an ended session), forgotten
   * so the next visit asks again. `ofCurrentStart`: the start is still the session's current one.
   */
  | { kind: 'start-settled'; outcome: 'started' | 'boot-failed' | 'refused'; ofCurrentStart: boolean }
  /** The session stops (ended, or its sandbox is replaced). */
  | { kind: 'stop' };

export type LifecycleAction =
  /** Start a sandbox; the session is starting. */
  | { kind: 'boot' }
  /** Bring a hibernated workspace back (a later issue builds hibernation; nothing hibernates yet). */
  | { kind: 'wake' }
  /** Join the start in progress, or the running workspace. */
  | { kind: 'share' }
  /** Refuse with the failure recorded: a failed boot runs again only when a person asks. */
  | { kind: 'report-failure' }
  | { kind: 'mark-running' }
  | { kind: 'mark-failed' }
  /** Back to none. */
  | { kind: 'forget' }
  /** Wait for the start, close what runs, and forget the session. */
  | { kind: 'tear-down' }
  /** A start that is no longer the session's current one settled: nothing to do. */
  | { kind: 'ignore' };

export function decideLifecycle(phase: LifecyclePhase, event: LifecycleEvent): LifecycleAction {
  switch (event.kind) {
    case 'ensure':
    case 'retry':
      if (phase === 'starting' || phase === 'running') return { kind: 'share' };
      if (phase === 'failed') return event.kind === 'retry' ? { kind: 'boot' } : { kind: 'report-failure' };
      if (phase === 'hibernated') return { kind: 'wake' };
      return { kind: 'boot' };
    case 'start-settled':
      if (!event.ofCurrentStart || phase !== 'starting') return { kind: 'ignore' };
      if (event.outcome === 'started') return { kind: 'mark-running' };
      return event.outcome === 'boot-failed' ? { kind: 'mark-failed' } : { kind: 'forget' };
    case 'stop':
      return phase === 'starting' || phase === 'running' ? { kind: 'tear-down' } : { kind: 'forget' };
  }
}
