import { decideLifecycle, type LifecycleAction, type LifecyclePhase } from './lifecycle.js';

type LiveState<S> =
  | { phase: 'starting' | 'running'; start: Promise<S> }
  | { phase: 'failed'; error: Error }
  | { phase: 'hibernated' };

/**
 * Starts a workspace: resolves once it runs; calls `bootFailed` (before rejecting) when the boot
 * itself failed, so the failure is recorded before anyone is told of it and can retry at once.
 */
export type StartWorkspace<S> = (sessionId: string, bootFailed: (error: Error) => void) => Promise<S>;

/**
 * The small manager that carries out `decideLifecycle`: one state per session in this process, in
 * place of the runtime's former three collections (live, running, failed).
 */
export class LiveWorkspaces<S> {
  private readonly states = new Map<string, LiveState<S>>();

  constructor(private readonly startWorkspace: StartWorkspace<S>) {}

  phase(sessionId: string): LifecyclePhase {
    return this.states.get(sessionId)?.phase ?? 'none';
  }

  /** The session's workspace: shared when starting or running, booted when none; a failed one stays failed unless `retry`. */
  ensure(sessionId: string, reason: 'ensure' | 'retry' = 'ensure'): Promise<S> {
    const state = this.states.get(sessionId);
    const action = decideLifecycle(this.phase(sessionId), { kind: reason });
    switch (action.kind) {
      case 'share':
        return (state as Extract<LiveState<S>, { start: Promise<S> }>).start;
      case 'report-failure':
        return Promise.reject((state as Extract<LiveState<S>, { phase: 'failed' }>).error);
      case 'boot':
      // Nothing hibernates yet (a later issue builds it): until then a wake is a cold boot.
      // falls through
      case 'wake':
        return this.boot(sessionId);
      default:
        return unexpected(action);
    }
  }

  /** The start in progress or the running workspace, if any (a failed, hibernated or absent one has none). */
  current(sessionId: string): Promise<S> | undefined {
    const state = this.states.get(sessionId);
    return state && 'start' in state ? state.start : undefined;
  }

  /** Sessions starting or running a workspace here, but `sessionId` (what the sandbox caps count). */
  othersLive(sessionId: string): string[] {
    return [...this.states].filter(([id, state]) => id !== sessionId && 'start' in state).map(([id]) => id);
  }

  /** Every start in progress and running workspace. */
  starts(): Array<Promise<S>> {
    return [...this.states.values()].flatMap((state) => ('start' in state ? [state.start] : []));
  }

  /** Stops a session: waits for its start (if any), then forgets it; resolves to what ran, if anything did. */
  async stop(sessionId: string): Promise<S | undefined> {
    const action = decideLifecycle(this.phase(sessionId), { kind: 'stop' });
    const session = action.kind === 'tear-down' ? await this.current(sessionId)?.catch(() => undefined) : undefined;
    this.states.delete(sessionId);
    return session;
  }

  /** Forgets every session (server shutdown, once their starts have settled). */
  clear(): void {
    this.states.clear();
  }

  private boot(sessionId: string): Promise<S> {
    const start = this.startWorkspace(sessionId, (error) => this.settled(sessionId, start, 'boot-failed', error));
    this.states.set(sessionId, { phase: 'starting', start });
    start.then(
      () => this.settled(sessionId, start, 'started'),
      // A start refused before booting (a cap, an end) is forgotten, so the next visit asks again.
      () => this.settled(sessionId, start, 'refused'),
    );
    return start;
  }

  private settled(sessionId: string, start: Promise<S>, outcome: 'started' | 'boot-failed' | 'refused', error?: Error): void {
    const state = this.states.get(sessionId);
    const ofCurrentStart = state !== undefined && 'start' in state && state.start === start;
    const action = decideLifecycle(this.phase(sessionId), { kind: 'start-settled', outcome, ofCurrentStart });
    switch (action.kind) {
      case 'mark-running':
        this.states.set(sessionId, { phase: 'running', start });
        return;
      case 'mark-failed':
        this.states.set(sessionId, { phase: 'failed', error: error ?? new Error('the sandbox could not start') });
        return;
      case 'forget':
        this.states.delete(sessionId);
        return;
      case 'ignore':
        return;
      default:
        unexpected(action);
    }
  }
}

function unexpected(action: LifecycleAction): never {
  throw new Error(`the lifecycle manager cannot carry out ${action.kind} here`);
}
