import { canEditSession, type SessionRole } from '@tandem/shared/roles.js';
import type { RefusalReason } from '../../domain/errors.js';

/** What the runtime did with a restart it was asked for. */
export type ServiceRestartOutcome = 'restarted' | 'no-sandbox' | 'unknown-service';

export type ServiceRestartDecision = { kind: 'restart' } | { kind: 'refused'; reason: RefusalReason; message: string };

/** Pure: who may start a session's service again. The role and the end come from the store, never the doc. */
export function decideServiceRestart(input: { role: SessionRole; endedAt: Date | null }): ServiceRestartDecision {
  if (!canEditSession(input.role)) return { kind: 'refused', reason: 'denied', message: 'Viewers cannot restart services; ask the owner for an editor link' };
  if (input.endedAt) return { kind: 'refused', reason: 'conflict', message: 'This session has ended; its services stopped with its sandbox' };
  return { kind: 'restart' };
}
