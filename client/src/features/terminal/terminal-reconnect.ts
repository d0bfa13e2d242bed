import { describeCloseCode, isFatalCloseCode } from '@tandem/shared/protocol/errors.js';
import { TERMINAL_NOT_FOUND_CLOSE } from '@tandem/shared/protocol/terminal.js';

/** First wait before reconnecting a terminal; doubles after each failed attempt up to the maximum. */
export const TERMINAL_RECONNECT_BASE_DELAY_MS = 500;
export const TERMINAL_RECONNECT_MAX_DELAY_MS = 8000;

export type TerminalReconnectDecision = { kind: 'retry'; delayMs: number } | { kind: 'give-up' };

/**
 * Whether a closed terminal socket comes back. Only closes that reconnecting cannot fix are final:
 * no identity, no access, access revoked, no such session or terminal. Anything else (a server
 * restart, a dropped network, a frame the server could not read) reconnects with backoff, so a
 * person's keys reach the shell again without a reload.
 */
export function decideTerminalReconnect(closeCode: number, failedAttempts: number): TerminalReconnectDecision {
  if (isFatalCloseCode(closeCode) || closeCode === TERMINAL_NOT_FOUND_CLOSE) return { kind: 'give-up' };
  const doublings = Math.max(0, failedAttempts - 1);
  return { kind: 'retry', delayMs: Math.min(TERMINAL_RECONNECT_MAX_DELAY_MS, TERMINAL_RECONNECT_BASE_DELAY_MS * 2 ** Math.min(doublings, 16)) };
}

/** What the terminal's status line says after its socket closed. */
export function describeTerminalClose(closeCode: number, reason: string): string {
  if (reason) return reason.endsWith('.') ? reason : `${reason}.`;
  if (isFatalCloseCode(closeCode)) return describeCloseCode(closeCode);
  if (closeCode === TERMINAL_NOT_FOUND_CLOSE) return 'This terminal no longer exists. Open another one with +.';
  return 'Terminal disconnected.';
}
