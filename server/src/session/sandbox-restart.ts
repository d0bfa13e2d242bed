import { canEditSession, type SessionRole } from '@tandem/shared/roles.js';
import type { RefusalReason } from '../domain/errors.js';

/** What this server process knows of a session's sandbox: none yet, starting, running, or its last start failed. */
export type LiveSandboxStatus = 'none' | 'starting' | 'running' | 'failed';

/** A person asks to start a session's sandbox again: as it is (`retry`), or on another repo (`change-repo`). */
export type SandboxRestartAction = 'retry' | 'change-repo';

export type SandboxRestartDecision =
  | { kind: 'start' }
  /** Nothing to do: the sandbox runs, or a start is under way that this request would only repeat. */
  | { kind: 'already'; sandbox: 'starting' | 'running' }
  | { kind: 'refused'; reason: RefusalReason; message: string };

/**
 * Who may start a session's sandbox again, and when. Pure: the role and the end come from the store,
 * the sandbox status from the runtime, never from the doc. Editors retry; only the owner changes the
 * repo, and only while no sandbox runs or starts (a running workspace sits on the old repo's snapshot).
 */
export function decideSandboxRestart(input: {
  action: SandboxRestartAction;
  role: SessionRole;
  endedAt: Date | null;
  sandbox: LiveSandboxStatus;
}): SandboxRestartDecision {
  const { action, sandbox } = input;
  switch (action) {
    case 'retry':
      if (!canEditSession(input.role)) return { kind: 'refused', reason: 'denied', message: 'Viewers cannot restart the sandbox; ask the owner for an editor link' };
      if (input.endedAt) return { kind: 'refused', reason: 'conflict', message: 'This session has ended; resume it in a new session to get a sandbox again' };
      if (sandbox === 'running' || sandbox === 'starting') return { kind: 'already', sandbox };
      return { kind: 'start' };
    case 'change-repo':
      if (input.role !== 'owner') return { kind: 'refused', reason: 'denied', message: 'Only the session owner can change its repo' };
      if (input.endedAt) return { kind: 'refused', reason: 'conflict', message: 'This session has ended; start a new session to use another repo' };
      if (sandbox === 'running') return { kind: 'refused', reason: 'conflict', message: 'The sandbox is running on this repo; start a new session to use another one' };
      if (sandbox === 'starting') return { kind: 'refused', reason: 'conflict', message: 'The sandbox is starting; wait until it is ready or has failed, then change the repo' };
      return { kind: 'start' };
    default:
      return action satisfies never;
  }
}
