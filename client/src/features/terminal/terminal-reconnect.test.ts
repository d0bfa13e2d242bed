import { describe, expect, it } from 'vitest';
import { CloseCode } from '@tandem/shared/protocol/errors.js';
import { TERMINAL_NOT_FOUND_CLOSE } from '@tandem/shared/protocol/terminal.js';
import { decideTerminalReconnect, TERMINAL_RECONNECT_BASE_DELAY_MS, TERMINAL_RECONNECT_MAX_DELAY_MS } from './terminal-reconnect.js';

describe('decideTerminalReconnect', () => {
  it('reconnects after any close that reconnecting can fix, including a frame the server could not read', () => {
    for (const code of [CloseCode.ProtocolError, CloseCode.ServerShutdown, 1006, 1011, 1000]) {
      expect(decideTerminalReconnect(code, 1)).toEqual({ kind: 'retry', delayMs: TERMINAL_RECONNECT_BASE_DELAY_MS });
    }
  });

  it('gives up only when access is gone or the session or terminal does not exist', () => {
    for (const code of [CloseCode.Unauthenticated, CloseCode.Forbidden, CloseCode.SessionNotFound, CloseCode.AccessRevoked, TERMINAL_NOT_FOUND_CLOSE]) {
      expect(decideTerminalReconnect(code, 1)).toEqual({ kind: 'give-up' });
    }
  });

  it('backs off, doubling up to a ceiling', () => {
    const delays = [1, 2, 3, 4, 5, 6, 50].map((attempt) => {
      const decision = decideTerminalReconnect(1006, attempt);
      return decision.kind === 'retry' ? decision.delayMs : -1;
    });
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 8000, TERMINAL_RECONNECT_MAX_DELAY_MS]);
  });
});
